// errno in errors: as text for messages, e.g. "No space left on device
// (ENOSPC)" (the symbolic name is what users search for, the description what
// they read), and as a status payload, so that a caller decides on the cause
// (EPIPE: the reader of our output went away) and never on the message.
#ifndef SUBMITWATCH_COMMON_ERRNO_TEXT_H_
#define SUBMITWATCH_COMMON_ERRNO_TEXT_H_

#include <optional>
#include <string>

#include "absl/status/status.h"

namespace submitwatch {

std::string ErrnoText(int error_number);

// `status` carrying error_number; an OK status stays OK.
absl::Status WithErrno(absl::Status status, int error_number);
// The errno a status carries, if WithErrno gave it one.
std::optional<int> ErrnoOf(const absl::Status& status);

}  // namespace submitwatch

#endif  // SUBMITWATCH_COMMON_ERRNO_TEXT_H_
