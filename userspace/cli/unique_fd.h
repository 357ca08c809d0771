// A file descriptor that closes itself: every descriptor demo's scratch
// resources hold is one, so no error path forgets one.
#ifndef SUBMITWATCH_CLI_UNIQUE_FD_H_
#define SUBMITWATCH_CLI_UNIQUE_FD_H_

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace submitwatch {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives the descriptor up without closing it.
  int release() { return std::exchange(fd_, -1); }
  // Closes what it holds and takes `fd`; errno is kept, so a caller can
  // still report the failure that made it give up the descriptor.
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      const int saved = errno;
      ::close(fd_);
      errno = saved;
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_UNIQUE_FD_H_
