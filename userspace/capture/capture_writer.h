// Formats records as capture lines (see capture_format.h). Besides the raw
// fields the reader needs, alloc and blkg lines carry derived fields
// (verdict, decoded gfp, readiness state) for people and tools reading the
// file without submitwatch; the reader ignores them. CaptureStream writes the
// lines out.
#ifndef SUBMITWATCH_CAPTURE_CAPTURE_WRITER_H_
#define SUBMITWATCH_CAPTURE_CAPTURE_WRITER_H_

#include <string>

#include "model/records.h"

namespace submitwatch {

class CaptureWriter {
 public:
  CaptureWriter() = default;
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // One capture line for `record`, without the trailing newline. Header and
  // summary lines carry the struct's values as they are (format, version).
  static std::string FormatRecord(const Record& record);

  // Appends the line for `record` and its newline to `out`. A writer kept
  // across records reuses its scratch text: with room in `out`, formatting
  // an event allocates nothing (the per-event path of record and check).
  void AppendLine(const Record& record, std::string& out);

 private:
  std::string scratch_;  // decoded gfp and context text
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_CAPTURE_WRITER_H_
