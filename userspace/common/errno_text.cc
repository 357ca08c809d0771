#include "common/errno_text.h"

#include <string.h>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace submitwatch {
namespace {

constexpr char kErrnoPayload[] = "type.submitwatch/errno";

}  // namespace

std::string ErrnoText(int error_number) {
  // The glibc *_np variants are thread-safe, unlike strerror().
  const char* description = strerrordesc_np(error_number);
  const char* name = strerrorname_np(error_number);
  if (description == nullptr || name == nullptr) {
    return absl::StrFormat("unknown error %d", error_number);
  }
  return absl::StrFormat("%s (%s)", description, name);
}

absl::Status WithErrno(absl::Status status, int error_number) {
  if (!status.ok()) status.SetPayload(kErrnoPayload, absl::Cord(absl::StrCat(error_number)));
  return status;
}

std::optional<int> ErrnoOf(const absl::Status& status) {
  // Debian's Abseil has its own optional.
  const auto payload = status.GetPayload(kErrnoPayload);
  int error_number = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &error_number)) return std::nullopt;
  return error_number;
}

}  // namespace submitwatch
