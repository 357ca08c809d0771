// A strict JSON parser (RFC 8259) for capture lines. Captures come from other
// hosts and bug reports, so the input is untrusted: nesting is bounded, every
// malformed input is a Status naming the byte column, never a crash.
#ifndef SUBMITWATCH_CAPTURE_JSON_PARSER_H_
#define SUBMITWATCH_CAPTURE_JSON_PARSER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "capture/json_value.h"

namespace submitwatch {

// Arrays and objects nested deeper than this are rejected; it bounds the
// parser's recursion. Capture records nest three levels.
inline constexpr int kMaxJsonDepth = 64;

// Parses exactly one JSON value surrounded by optional whitespace. Rejects
// raw NUL and control bytes, invalid UTF-8, invalid escapes and unpaired
// surrogates, duplicate object keys, and numbers that do not fit: integers
// outside [INT64_MIN, UINT64_MAX] and doubles that overflow. Errors are
// InvalidArgument with "column N: ..." (1-based byte column).
absl::StatusOr<JsonValue> ParseJson(std::string_view text);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_JSON_PARSER_H_
