// errno as text for messages, e.g. "No space left on device (ENOSPC)": the
// symbolic name is what users search for, the description what they read.
#ifndef SUBMITWATCH_COMMON_ERRNO_TEXT_H_
#define SUBMITWATCH_COMMON_ERRNO_TEXT_H_

#include <string>

namespace submitwatch {

std::string ErrnoText(int error_number);

}  // namespace submitwatch

#endif  // SUBMITWATCH_COMMON_ERRNO_TEXT_H_
