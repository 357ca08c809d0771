#include "sinks/capture/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace submitwatch {

absl::StatusOr<OutputFile> OutputFile::Create(const std::string& path) {
  if (path == "-") return OutputFile(path, "", STDOUT_FILENO, /*unnamed=*/false);
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write to ", path, ": it is a directory; give a file name"));
  }
  // An unnamed file first (O_TMPFILE): if we are killed, nothing is left.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  std::string temp = absl::StrCat(path, ".tmp.", getpid());
  int fd = open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) return OutputFile(path, std::move(temp), fd, /*unnamed=*/true);
  // File systems without O_TMPFILE: a named temporary file.
  fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", path, ": ", strerror(errno)));
  }
  return OutputFile(path, std::move(temp), fd, /*unnamed=*/false);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)),
      unnamed_(other.unnamed_) {}

OutputFile::~OutputFile() {
  if (is_stdout() || fd_ < 0) return;
  close(fd_);
  if (!unnamed_) unlink(temp_path_.c_str());
}

absl::Status OutputFile::Commit() {
  if (is_stdout() || fd_ < 0) return absl::OkStatus();
  const int fd = std::exchange(fd_, -1);
  if (fsync(fd) != 0 && errno != EINVAL) {
    const int err = errno;
    close(fd);
    unlink(temp_path_.c_str());
    return absl::DataLossError(absl::StrCat("writing ", path_, ": ", strerror(err)));
  }
  if (unnamed_) {
    // Give it the temporary name, then rename over the target atomically.
    const std::string proc_fd = absl::StrCat("/proc/self/fd/", fd);
    if (linkat(AT_FDCWD, proc_fd.c_str(), AT_FDCWD, temp_path_.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      const int err = errno;
      close(fd);
      return absl::DataLossError(absl::StrCat("cannot create ", path_, ": ", strerror(err)));
    }
  }
  if (close(fd) != 0) {
    const int err = errno;
    unlink(temp_path_.c_str());
    return absl::DataLossError(absl::StrCat("writing ", path_, ": ", strerror(err)));
  }
  if (rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    unlink(temp_path_.c_str());
    return absl::DataLossError(absl::StrCat("cannot rename into ", path_, ": ", strerror(err)));
  }
  return absl::OkStatus();
}

}  // namespace submitwatch
