// What a failed BPF program load means, by errno. EPERM is a missing
// privilege; EACCES is the verifier refusing a program, which no privilege
// fixes (its log says what it refused); anything else failed on its own.
#ifndef SUBMITWATCH_LOADER_LOAD_ERROR_H_
#define SUBMITWATCH_LOADER_LOAD_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "loader/attach_mode.h"

namespace submitwatch {

// The object's load (submitwatch_bpf::load) failed with `err`; libbpf's
// recent messages are quoted where they help (the verifier's log).
absl::Status ObjectLoadError(int err, const std::string& libbpf_messages);

// A trial program of `mode` failed to load with `err` ("fentry refused at
// load: ...", "fentry refused by the verifier at load: ...").
absl::Status TrialLoadError(AttachMode mode, int err);

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_LOAD_ERROR_H_
