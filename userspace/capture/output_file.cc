#include "capture/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/errno_text.h"

namespace submitwatch {
namespace {

absl::Status PathError(const std::string& path, int err) {
  return absl::InvalidArgumentError(absl::StrCat("cannot write to ", path, ": ", ErrnoText(err),
                                                 "; choose another -o/--output"));
}

}  // namespace

absl::StatusOr<OutputFile> OutputFile::Create(const std::string& path) {
  if (path == "-") return OutputFile(Kind::kStdout, path, "", STDOUT_FILENO);
  if (path.empty()) return PathError(path, ENOENT);
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot write to ", path, ": it is a directory; give a file name"));
    }
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISBLK(st.st_mode)) {
      // Renaming over /dev/null would replace the device: write in place.
      const int fd = open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return PathError(path, errno);
      return OutputFile(Kind::kDevice, path, "", fd);
    }
  }
  // An unnamed file first (O_TMPFILE): if we are killed, nothing is left.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  std::string temp = absl::StrCat(path, ".tmp.", getpid());
  int fd = open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) return OutputFile(Kind::kUnnamed, path, std::move(temp), fd);
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return PathError(path, errno);
  // File systems without O_TMPFILE: a named temporary file.
  fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return PathError(path, errno);
  return OutputFile(Kind::kNamedTemp, path, std::move(temp), fd);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : kind_(other.kind_),
      path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)) {}

OutputFile::~OutputFile() {
  if (kind_ == Kind::kStdout || fd_ < 0) return;
  close(fd_);
  if (kind_ == Kind::kNamedTemp) unlink(temp_path_.c_str());
}

absl::Status OutputFile::Commit() {
  if (kind_ == Kind::kStdout || fd_ < 0) return absl::OkStatus();
  const int fd = std::exchange(fd_, -1);
  const auto fail = [&](const std::string& what, int err) {
    close(fd);
    if (kind_ == Kind::kNamedTemp) unlink(temp_path_.c_str());
    return WithErrno(absl::DataLossError(absl::StrCat(what, " ", path_, ": ", ErrnoText(err))),
                     err);
  };
  // Devices and pipes may not support fsync (EINVAL); that is not a loss.
  if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS) return fail("writing", errno);
  if (kind_ == Kind::kDevice) {
    if (close(fd) != 0) {
      const int err = errno;
      return WithErrno(absl::DataLossError(absl::StrCat("writing ", path_, ": ", ErrnoText(err))),
                       err);
    }
    return absl::OkStatus();
  }
  if (kind_ == Kind::kUnnamed) {
    // Give it the temporary name, then rename over the target atomically.
    const std::string proc_fd = absl::StrCat("/proc/self/fd/", fd);
    if (linkat(AT_FDCWD, proc_fd.c_str(), AT_FDCWD, temp_path_.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      return fail("cannot create", errno);
    }
  }
  if (close(fd) != 0) {
    const int err = errno;
    unlink(temp_path_.c_str());
    return WithErrno(absl::DataLossError(absl::StrCat("writing ", path_, ": ", ErrnoText(err))),
                     err);
  }
  if (rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    unlink(temp_path_.c_str());
    return WithErrno(
        absl::DataLossError(absl::StrCat("cannot rename into ", path_, ": ", ErrnoText(err))), err);
  }
  return absl::OkStatus();
}

}  // namespace submitwatch
