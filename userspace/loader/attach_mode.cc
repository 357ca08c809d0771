#include "loader/attach_mode.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace submitwatch {

const char* AttachModeName(AttachMode mode) {
  switch (mode) {
    case AttachMode::kFentry: return "fentry";
    case AttachMode::kKprobe: return "kprobe";
    case AttachMode::kTracepoint: return "tracepoint";
  }
  return "?";
}

absl::StatusOr<std::optional<AttachMode>> ParseAttachMode(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  for (AttachMode mode : {AttachMode::kFentry, AttachMode::kKprobe, AttachMode::kTracepoint}) {
    if (text == AttachModeName(mode)) return mode;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--mode: '", text, "' is not one of fentry, kprobe, tracepoint"));
}

}  // namespace submitwatch
