#include "common/errno_text.h"

#include <string.h>

#include "absl/strings/str_format.h"

namespace submitwatch {

std::string ErrnoText(int error_number) {
  // The glibc *_np variants are thread-safe, unlike strerror().
  const char* description = strerrordesc_np(error_number);
  const char* name = strerrorname_np(error_number);
  if (description == nullptr || name == nullptr) {
    return absl::StrFormat("unknown error %d", error_number);
  }
  return absl::StrFormat("%s (%s)", description, name);
}

}  // namespace submitwatch
