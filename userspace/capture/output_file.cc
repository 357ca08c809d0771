#include "capture/output_file.h"

#include <fcntl.h>
#include <sys/random.h>
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

absl::Status WriteError(const std::string& what, const std::string& path, int err) {
  return WithErrno(absl::DataLossError(absl::StrCat(what, " ", path, ": ", ErrnoText(err))), err);
}

// The directory and the last component of `path`.
struct SplitPath {
  std::string dir;
  std::string name;
};

SplitPath Split(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::string Join(const std::string& dir, const std::string& name) {
  if (dir == ".") return name;
  return dir == "/" ? "/" + name : absl::StrCat(dir, "/", name);
}

// The directory every later name is resolved in, opened once: a directory
// swapped for a symlink meanwhile does not move where the file goes.
absl::StatusOr<int> OpenDirectory(const std::string& dir, const std::string& path) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return PathError(path, errno);
  return fd;
}

// What is at `name` now, without following a symlink: a directory is an
// error; a device or FIFO is opened to be written in place (renaming over
// /dev/null would replace the device). -1: neither, go on.
absl::StatusOr<int> OpenInPlace(int dir_fd, const std::string& name, const std::string& path) {
  struct stat st;
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write to ", path, ": it is a directory; give a file name"));
  }
  if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISBLK(st.st_mode)) return -1;
  const int fd = openat(dir_fd, name.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return PathError(path, errno);
  return fd;
}

// An unnamed file in the directory (O_TMPFILE), or -1 with errno where the
// file system has none.
int OpenUnnamed(int dir_fd) {
  return openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
}

bool NoTmpfile(int err) { return err == EOPNOTSUPP || err == EISDIR || err == EINVAL; }

std::string RandomSuffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char bytes[6] = {};
  if (getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
    // Unique enough with the pid and the clock; O_EXCL/linkat refuse clashes.
    const uint64_t seed = static_cast<uint64_t>(getpid()) * 2654435761u ^
                          static_cast<uint64_t>(time(nullptr));
    memcpy(bytes, &seed, sizeof(bytes));
  }
  std::string suffix;
  for (unsigned char b : bytes) suffix.push_back(kChars[b % (sizeof(kChars) - 1)]);
  return suffix;
}

}  // namespace

absl::StatusOr<OutputFile> OutputFile::Target(const std::string& path, Kind kind,
                                              const std::string& temp_suffix) {
  if (path == "-") return OutputFile(Kind::kStdout, path, "", -1, "", "", STDOUT_FILENO);
  if (path.empty()) return PathError(path, ENOENT);
  const SplitPath where = Split(path);
  if (where.name.empty() || where.name == "." || where.name == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write to ", path, ": it is a directory; give a file name"));
  }
  absl::StatusOr<int> dir_fd = OpenDirectory(where.dir, path);
  if (!dir_fd.ok()) return dir_fd.status();
  OutputFile out(kind, path, where.dir, *dir_fd, where.name, where.name + temp_suffix, -1);
  absl::StatusOr<int> in_place = OpenInPlace(*dir_fd, where.name, path);
  if (!in_place.ok()) return in_place.status();
  if (*in_place >= 0) {
    out.kind_ = Kind::kDevice;
    out.fd_ = *in_place;
  }
  return out;
}

absl::StatusOr<OutputFile> OutputFile::Create(const std::string& path) {
  absl::StatusOr<OutputFile> out = Target(path, Kind::kUnnamed, absl::StrCat(".tmp.", getpid()));
  if (!out.ok() || out->fd_ >= 0) return out;
  // An unnamed file first: if we are killed, nothing is left.
  out->fd_ = OpenUnnamed(out->dir_fd_);
  if (out->fd_ >= 0) return out;
  if (!NoTmpfile(errno)) return PathError(path, errno);
  // File systems without O_TMPFILE: a named temporary file.
  out->kind_ = Kind::kNamedTemp;
  out->fd_ = openat(out->dir_fd_, out->temp_name_.c_str(),
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out->fd_ < 0) return PathError(path, errno);
  return out;
}

absl::StatusOr<OutputFile> OutputFile::CreateStreaming(const std::string& path) {
  absl::StatusOr<OutputFile> out = Target(path, Kind::kStreaming, kPartialSuffix);
  if (!out.ok() || out->fd_ >= 0) return out;
  const std::string partial = Join(out->dir_, out->temp_name_);
  // O_EXCL: never follows a symlink there, never truncates a capture that
  // an earlier run left cut off.
  out->fd_ = openat(out->dir_fd_, out->temp_name_.c_str(),
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out->fd_ < 0 && errno == EEXIST) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot write to ", path, ": ", partial,
        " exists (a capture cut off earlier, or a link); move it away or choose another "
        "-o/--output"));
  }
  if (out->fd_ < 0) return PathError(partial, errno);
  return out;
}

absl::StatusOr<OutputFile> OutputFile::CreateTemporary(const std::string& dir,
                                                       const std::string& stem) {
  absl::StatusOr<int> dir_fd = OpenDirectory(dir, Join(dir, stem));
  if (!dir_fd.ok()) return dir_fd.status();
  OutputFile out(Kind::kTemporary, "", dir, *dir_fd, stem, "", -1);
  out.fd_ = OpenUnnamed(*dir_fd);
  if (out.fd_ >= 0) return out;
  if (!NoTmpfile(errno)) return PathError(Join(dir, stem), errno);
  // File systems without O_TMPFILE: named from the start, removed unless
  // committed.
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = absl::StrCat(stem, "-", RandomSuffix(), ".jsonl");
    out.fd_ = openat(*dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0600);
    if (out.fd_ >= 0) {
      out.kind_ = Kind::kNamedTemp;
      out.name_ = name;
      out.temp_name_ = std::move(name);
      out.path_ = Join(dir, out.name_);
      return out;
    }
    if (errno != EEXIST) break;
  }
  return PathError(Join(dir, stem), errno);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : kind_(other.kind_),
      path_(std::move(other.path_)),
      dir_(std::move(other.dir_)),
      dir_fd_(std::exchange(other.dir_fd_, -1)),
      name_(std::move(other.name_)),
      temp_name_(std::move(other.temp_name_)),
      fd_(std::exchange(other.fd_, -1)) {}

OutputFile::~OutputFile() {
  if (kind_ != Kind::kStdout && fd_ >= 0) {
    struct stat st {};
    const bool empty = fstat(fd_, &st) == 0 && st.st_size == 0;
    if (kind_ == Kind::kNamedTemp) {
      unlinkat(dir_fd_, temp_name_.c_str(), 0);
    } else if (kind_ == Kind::kStreaming && empty) {
      // Nothing was captured (setup failed): no file to explain. Only if the
      // name is still ours.
      struct stat named {};
      if (fstatat(dir_fd_, temp_name_.c_str(), &named, AT_SYMLINK_NOFOLLOW) == 0 &&
          named.st_ino == st.st_ino && named.st_dev == st.st_dev) {
        unlinkat(dir_fd_, temp_name_.c_str(), 0);
      }
    }
    close(fd_);
  }
  if (dir_fd_ >= 0) close(dir_fd_);
}

std::string OutputFile::current_path() const {
  if (kind_ == Kind::kStreaming && fd_ >= 0) return Join(dir_, temp_name_);
  return path_;
}

absl::Status OutputFile::LinkUnnamed(int fd, const std::string& name) {
  const std::string proc_fd = absl::StrCat("/proc/self/fd/", fd);
  if (linkat(AT_FDCWD, proc_fd.c_str(), dir_fd_, name.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    return WithErrno(absl::InternalError(ErrnoText(errno)), errno);
  }
  return absl::OkStatus();
}

absl::Status OutputFile::CommitTemporary(int fd) {
  // Not synced: nobody asked to keep it through a crash.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string name = absl::StrCat(name_, "-", RandomSuffix(), ".jsonl");
    absl::Status linked = LinkUnnamed(fd, name);
    if (linked.ok()) {
      name_ = name;
      path_ = Join(dir_, name);
      close(fd);
      return absl::OkStatus();
    }
    if (ErrnoOf(linked) != EEXIST) {
      close(fd);
      return WriteError("cannot create a file in", dir_, ErrnoOf(linked).value_or(EIO));
    }
  }
  close(fd);
  return WriteError("cannot create a file in", dir_, EEXIST);
}

absl::Status OutputFile::Commit() {
  if (kind_ == Kind::kStdout || fd_ < 0) return absl::OkStatus();
  const int fd = std::exchange(fd_, -1);
  if (kind_ == Kind::kTemporary) return CommitTemporary(fd);
  const std::string written = kind_ == Kind::kStreaming ? Join(dir_, temp_name_) : path_;
  const auto fail = [&](const std::string& what, int err) {
    close(fd);
    if (kind_ == Kind::kNamedTemp) unlinkat(dir_fd_, temp_name_.c_str(), 0);
    return WriteError(what, written, err);
  };
  // Devices and pipes may not support fsync (EINVAL); that is not a loss.
  if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS) return fail("writing", errno);
  if (kind_ == Kind::kDevice) {
    if (close(fd) != 0) return WriteError("writing", path_, errno);
    return absl::OkStatus();
  }
  if (kind_ == Kind::kUnnamed) {
    // Give it the temporary name, then rename over the target atomically.
    if (absl::Status s = LinkUnnamed(fd, temp_name_); !s.ok()) {
      return fail("cannot create", ErrnoOf(s).value_or(EIO));
    }
  }
  if (close(fd) != 0) {
    const int err = errno;
    if (kind_ != Kind::kStreaming) unlinkat(dir_fd_, temp_name_.c_str(), 0);
    return WriteError("writing", written, err);
  }
  if (renameat(dir_fd_, temp_name_.c_str(), dir_fd_, name_.c_str()) != 0) {
    const int err = errno;
    // A capture stays where it is, with everything in it.
    if (kind_ != Kind::kStreaming) unlinkat(dir_fd_, temp_name_.c_str(), 0);
    return WithErrno(absl::DataLossError(absl::StrCat("cannot rename ", written, " to ", path_,
                                                      ": ", ErrnoText(err))),
                     err);
  }
  // The rename itself survives a crash once the directory is synced.
  if (kind_ == Kind::kStreaming) fsync(dir_fd_);
  return absl::OkStatus();
}

}  // namespace submitwatch
