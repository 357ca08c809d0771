// Trial attachment: can this host run an fentry or a kprobe program on a given
// kernel function? Answered by loading and attaching a do-nothing program and
// removing it again, so the real programs are committed to a mode that works.
#ifndef SUBMITWATCH_LOADER_ATTACH_PROBE_H_
#define SUBMITWATCH_LOADER_ATTACH_PROBE_H_

#include <string>

#include "absl/status/status.h"
#include "loader/attach_mode.h"

struct btf;

namespace submitwatch {

// OK when a trial program of `mode` (kFentry or kKprobe) loads and attaches to
// `function`; otherwise a status whose message names the step and the errno
// ("fentry refused at load: Operation not permitted (EPERM)"; a verifier
// refusal says so: TrialLoadError).
absl::Status TryAttach(AttachMode mode, const std::string& function);

// Whether `function` can be a target at all: a BTF FUNC for fentry, a symbol
// in /proc/kallsyms for kprobe.
bool FunctionInBtf(const btf* vmlinux_btf, const std::string& function);

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_ATTACH_PROBE_H_
