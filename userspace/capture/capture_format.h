// The names and limits of the capture file format (JSON Lines), shared by the
// writer and the reader so that both sides spell them once.
//
// The format is stable: version 1 files stay readable. Within a version,
// writers may add fields and record types; readers ignore fields they do not
// know and skip unknown record types. Anything a reader could not skip safely
// needs a new version.
#ifndef SUBMITWATCH_CAPTURE_CAPTURE_FORMAT_H_
#define SUBMITWATCH_CAPTURE_CAPTURE_FORMAT_H_

#include <cstddef>
#include <string_view>

namespace submitwatch {

inline constexpr std::string_view kCaptureFormat = "submitwatch-capture";
inline constexpr int kCaptureVersion = 1;

// Values of every record's "type" field.
inline constexpr std::string_view kRecordTypeHeader = "header";
inline constexpr std::string_view kRecordTypeAlloc = "alloc";
inline constexpr std::string_view kRecordTypeBlkg = "blkg";
inline constexpr std::string_view kRecordTypeWq = "wq";
inline constexpr std::string_view kRecordTypeLost = "lost";
inline constexpr std::string_view kRecordTypeSummary = "summary";
inline constexpr std::string_view kRecordTypeThrottle = "throttle";

// No real record comes near this (a 127-frame stack is ~10 KiB); it stops a
// corrupt or hostile file from making the reader buffer without end.
inline constexpr size_t kMaxCaptureLineBytes = size_t{16} << 20;

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_CAPTURE_FORMAT_H_
