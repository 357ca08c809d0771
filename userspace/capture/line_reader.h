// Splits a file descriptor into lines with large read(2) calls. Each byte is
// scanned once and a partial line is moved at most once per refill, so the
// cost stays linear however long the lines are, up to a hard limit.
#ifndef SUBMITWATCH_CAPTURE_LINE_READER_H_
#define SUBMITWATCH_CAPTURE_LINE_READER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace submitwatch {

class LineReader {
 public:
  struct Line {
    std::string_view text;  // without the '\n'; valid until the next Next()
    bool terminated;        // false for a last line that has no '\n'
  };

  // Closes `fd` on destruction only when `owns_fd`.
  LineReader(int fd, bool owns_fd, size_t max_line_bytes);
  LineReader(LineReader&& other) noexcept;
  LineReader& operator=(LineReader&& other) noexcept;
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader();

  // nullopt at end of file. Errors: a failed read, or a line longer than
  // max_line_bytes (OutOfRange); the message does not name the file.
  absl::StatusOr<std::optional<Line>> Next();

 private:
  void Close();
  absl::Status Refill();

  int fd_ = -1;
  bool owns_fd_ = false;
  size_t max_line_bytes_ = 0;
  std::string buffer_;  // bytes [begin_, end_) are read but not returned
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t scanned_ = 0;  // [begin_, scanned_) holds no '\n'
  bool eof_ = false;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_LINE_READER_H_
