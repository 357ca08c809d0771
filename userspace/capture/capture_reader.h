// Reads a capture file (see capture_format.h) back as Records, streaming, for
// `report`, `top --replay` and the kernel tests.
//
// What it accepts: the first non-empty line must be a header of format
// "submitwatch-capture" at a version this build reads. Record types it does
// not know are skipped and counted (newer writers may add some). A last line
// that is cut off (no newline, not valid JSON: the recorder was killed) ends
// the capture with a warning and keeps everything before it. Any other
// malformed line is an error naming the file and line.
#ifndef SUBMITWATCH_CAPTURE_CAPTURE_READER_H_
#define SUBMITWATCH_CAPTURE_CAPTURE_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "capture/line_reader.h"
#include "model/records.h"

namespace submitwatch {

// Parses one capture line into a Record, without the file-level checks
// (header first, format, version). Unknown record types are Unimplemented;
// malformed lines InvalidArgument.
absl::StatusOr<Record> ParseRecordLine(std::string_view line);

class CaptureReader {
 public:
  // Opens `path` ("-" reads stdin) and reads and checks its header.
  static absl::StatusOr<CaptureReader> Open(const std::string& path);
  // Every record of the capture, header first. Drops what warning() would
  // say; callers that show warnings use Open() and Next().
  static absl::StatusOr<std::vector<Record>> ReadAll(const std::string& path);

  CaptureReader(CaptureReader&&) = default;
  CaptureReader& operator=(CaptureReader&&) = default;

  // The next record, the header first; nullopt at the end. Errors name the
  // file and line; after one, every later call returns it again.
  absl::StatusOr<std::optional<Record>> Next();

  const CaptureHeader& header() const { return header_; }
  // True when the capture ended in a cut-off line that was dropped.
  bool truncated() const { return truncated_; }
  // Records skipped because their type is unknown to this version.
  uint64_t skipped_records() const { return skipped_records_; }
  // What the user should know about an incomplete or partly understood
  // capture, "" when nothing; complete once Next() returned nullopt.
  std::string warning() const;

 private:
  CaptureReader(std::string path, LineReader lines)
      : path_(std::move(path)), lines_(std::move(lines)) {}

  absl::Status ReadHeader();
  absl::Status LineError(absl::string_view message) const;
  absl::Status JsonLineError(const absl::Status& status) const;
  absl::Status Fail(absl::Status status);

  std::string path_;
  LineReader lines_;
  CaptureHeader header_;
  bool header_returned_ = false;
  uint64_t line_number_ = 0;
  uint64_t truncated_line_ = 0;
  bool truncated_ = false;
  bool done_ = false;
  bool saw_summary_ = false;
  uint64_t skipped_records_ = 0;
  absl::Status error_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_CAPTURE_READER_H_
