#include "capture/line_reader.h"

#include <errno.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "common/errno_text.h"

namespace submitwatch {
namespace {

constexpr size_t kReadBytes = 256 << 10;

}  // namespace

LineReader::LineReader(int fd, bool owns_fd, size_t max_line_bytes)
    : fd_(fd), owns_fd_(owns_fd), max_line_bytes_(max_line_bytes) {}

LineReader::LineReader(LineReader&& other) noexcept { *this = std::move(other); }

LineReader& LineReader::operator=(LineReader&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    owns_fd_ = std::exchange(other.owns_fd_, false);
    max_line_bytes_ = other.max_line_bytes_;
    buffer_ = std::move(other.buffer_);
    begin_ = other.begin_;
    end_ = other.end_;
    scanned_ = other.scanned_;
    eof_ = other.eof_;
  }
  return *this;
}

LineReader::~LineReader() { Close(); }

void LineReader::Close() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = -1;
  owns_fd_ = false;
}

absl::Status LineReader::Refill() {
  // Move the partial line to the front so the buffer never grows past one
  // line plus one read.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    scanned_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() < end_ + kReadBytes) buffer_.resize(end_ + kReadBytes);
  while (true) {
    const ssize_t n = ::read(fd_, buffer_.data() + end_, kReadBytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error_number = errno;
      return absl::Status(absl::ErrnoToStatusCode(error_number),
                          "read failed: " + ErrnoText(error_number));
    }
    if (n == 0) eof_ = true;
    end_ += static_cast<size_t>(n);
    return absl::OkStatus();
  }
}

absl::StatusOr<std::optional<LineReader::Line>> LineReader::Next() {
  while (true) {
    const void* newline = std::memchr(buffer_.data() + scanned_, '\n', end_ - scanned_);
    if (newline != nullptr) {
      const size_t stop = static_cast<const char*>(newline) - buffer_.data();
      if (stop - begin_ > max_line_bytes_) break;
      Line line{std::string_view(buffer_.data() + begin_, stop - begin_), true};
      begin_ = scanned_ = stop + 1;
      return line;
    }
    scanned_ = end_;
    if (end_ - begin_ > max_line_bytes_) break;
    if (eof_) {
      if (begin_ == end_) return std::nullopt;
      Line line{std::string_view(buffer_.data() + begin_, end_ - begin_), false};
      begin_ = scanned_ = end_;
      return line;
    }
    if (absl::Status s = Refill(); !s.ok()) return s;
  }
  return absl::OutOfRangeError(
      absl::StrFormat("line longer than %d bytes", max_line_bytes_));
}

}  // namespace submitwatch
