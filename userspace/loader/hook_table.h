// The hooks submitwatch attaches, as data: which BPF programs serve each hook,
// which kernel tracepoint they need, and what tracepoint-only mode cannot see.
// Kernel-version differences in names live here and nowhere else.
#ifndef SUBMITWATCH_LOADER_HOOK_TABLE_H_
#define SUBMITWATCH_LOADER_HOOK_TABLE_H_

#include <string>
#include <vector>

namespace submitwatch {

struct HookProgram {
  const char* program;     // BPF program name in bpf/programs/*.bpf.c
  const char* tracepoint;  // kernel tracepoint (btf_trace_<name> in BTF)
};

struct HookSpec {
  const char* hook;  // name shown in probe, headers and the TUI
  std::vector<HookProgram> programs;
  const char* tracepoint_blind_spot;  // what tracepoint-only mode cannot see
};

const std::vector<HookSpec>& Hooks();

// Functions whose presence on the stack means "in the submit path"
// (DESIGN.md, Vocabulary). Names differ by kernel: __blk_throtl_bio since 6.5
// ("blk-throttle: ... inline blk_throtl_bio"), __submit_bio_noacct_mq since
// 5.9; missing ones are skipped, ".cold"/".isra" parts are included.
const std::vector<std::string>& SubmitPathFunctions();

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_HOOK_TABLE_H_
