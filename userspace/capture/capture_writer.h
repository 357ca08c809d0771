// Writes records as capture lines (see capture_format.h) to a file
// descriptor. Besides the raw fields the reader needs, alloc and blkg lines
// carry derived fields (verdict, decoded gfp, readiness state) for people and
// tools reading the file without submitwatch; the reader ignores them.
#ifndef SUBMITWATCH_CAPTURE_CAPTURE_WRITER_H_
#define SUBMITWATCH_CAPTURE_CAPTURE_WRITER_H_

#include <string>

#include "absl/status/status.h"
#include "model/records.h"

namespace submitwatch {

class CaptureWriter {
 public:
  // Does not take ownership of `fd`; opening, fsync and close are the
  // caller's. The caller must call Flush() before closing it: the destructor
  // does not write, because by then the descriptor may be closed or reused.
  explicit CaptureWriter(int fd) : fd_(fd) {}
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // One capture line for `record`, without the trailing newline. Header and
  // summary lines carry the struct's values as they are (format, version).
  static std::string FormatRecord(const Record& record);

  // Buffers the line; writes when the buffer fills. After a failed write
  // every later call returns the same error.
  absl::Status Write(const Record& record);
  absl::Status Flush();

 private:
  int fd_;
  std::string buffer_;
  absl::Status error_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_CAPTURE_WRITER_H_
