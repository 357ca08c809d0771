// The hooks submitwatch attaches, as data: which BPF programs serve each hook,
// which kernel tracepoint or function they need, and what is lost without
// them. Kernel-version differences in names live here and nowhere else.
#ifndef SUBMITWATCH_LOADER_HOOK_TABLE_H_
#define SUBMITWATCH_LOADER_HOOK_TABLE_H_

#include <string>
#include <vector>

namespace submitwatch {

struct HookProgram {
  const char* program;     // BPF program name in bpf/programs/*.bpf.c
  const char* tracepoint;  // kernel tracepoint (btf_trace_<name> in BTF)
  int btf_args = -1;       // expected parameter count of btf_trace_<name>; -1: any
};

// Hooks on tracepoints: always tracepoint mode, present or not.
struct TracepointHookSpec {
  const char* hook;  // name shown in probe, headers and the TUI
  std::vector<HookProgram> programs;
  const char* blind_spot;  // what this hook cannot see, or "none"
  bool optional = false;   // only with a command-line flag (--slab)
};

// One kernel function hooked at entry and exit. Programs are null where a
// mode does not need one (fexit alone sees the arguments).
struct AttachPoint {
  std::vector<const char*> functions;  // candidate names, first found wins
  const char* fentry;
  const char* fexit;
  const char* kprobe;
  const char* kretprobe;
};

// Hooks on kernel functions: fentry/fexit > kprobe/kretprobe > tracepoint-only
// (the hook is then not attached, and `without` says what that costs).
struct FunctionHookSpec {
  const char* hook;
  std::vector<AttachPoint> points;
  const char* without;
};

const std::vector<TracepointHookSpec>& TracepointHooks();
const std::vector<FunctionHookSpec>& FunctionHooks();

// Functions whose presence on the stack means "in the submit path"
// (docs/DESIGN.md, Vocabulary), for tracepoint-only mode. Missing ones are
// skipped, ".cold"/".isra" parts are included.
const std::vector<std::string>& SubmitPathFunctions();

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_HOOK_TABLE_H_
