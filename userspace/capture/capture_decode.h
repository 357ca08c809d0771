// Turns one parsed capture line into a Record. Only raw fields are read;
// derived fields (verdict, gfp text, state, total) are ignored and recomputed
// by whoever needs them, so a hand-edited or buggy file cannot make the
// report disagree with its own data.
#ifndef SUBMITWATCH_CAPTURE_CAPTURE_DECODE_H_
#define SUBMITWATCH_CAPTURE_CAPTURE_DECODE_H_

#include "absl/status/statusor.h"
#include "capture/json_value.h"
#include "model/records.h"

namespace submitwatch {

// Errors: InvalidArgument naming the record type and field, e.g.
// `alloc record: field "pid": expected an integer in [0, 4294967295]`, and
// Unimplemented for a "type" this version does not know (readers skip those).
// A header is decoded as it is; checking its format and version is the
// reader's job.
// Takes `line`'s strings; the second form decodes a copy.
absl::StatusOr<Record> DecodeRecord(JsonValue&& line);
absl::StatusOr<Record> DecodeRecord(const JsonValue& line);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_CAPTURE_DECODE_H_
