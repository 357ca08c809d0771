// How a function hook is attached, and the text of `--mode` that forces one.
#ifndef SUBMITWATCH_LOADER_ATTACH_MODE_H_
#define SUBMITWATCH_LOADER_ATTACH_MODE_H_

#include <optional>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace submitwatch {

// Best first: fentry/fexit see arguments and return values at the lowest
// cost; kprobe/kretprobe need the arguments saved; tracepoint mode leaves
// the function hooks unattached.
enum class AttachMode { kFentry, kKprobe, kTracepoint };

// "fentry", "kprobe", "tracepoint": shown in probe, capture headers and the TUI.
const char* AttachModeName(AttachMode mode);

// `--mode` text: "" (nothing forced: the best mode per hook) or one of the
// names above; anything else is an InvalidArgument naming the choices.
absl::StatusOr<std::optional<AttachMode>> ParseAttachMode(absl::string_view text);

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_ATTACH_MODE_H_
