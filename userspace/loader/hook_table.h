// The hooks submitwatch attaches, as data: which BPF programs serve each hook,
// which kernel tracepoint or function they need, and what is lost without
// them. Kernel-version differences in names live here and nowhere else.
// Adding a hook: docs/DESIGN.md, "Adding a hook".
#ifndef SUBMITWATCH_LOADER_HOOK_TABLE_H_
#define SUBMITWATCH_LOADER_HOOK_TABLE_H_

#include <string>
#include <vector>

#include "loader/attach_mode.h"
#include "submitwatch.skel.h"

namespace submitwatch {

enum class Hook {
  // Kernel functions, hooked at entry and exit.
  kSubmitPath,
  kBlkThrotl,
  kBlkgAssoc,
  // Tracepoints.
  kPercpuAlloc,
  kBlockBioQueue,
  kWorkqueue,
  kCgroupLifecycle,
  kSlab,
};

// The name shown in probe, capture headers and the TUI ("submit_path").
const char* HookName(Hook hook);

// One program of the BPF object, as the skeleton's typed slots for the
// program and its link: a program the object lacks does not compile.
using SkelPrograms = decltype(submitwatch_bpf::progs);
using SkelLinks = decltype(submitwatch_bpf::links);
struct ProgramSlot {
  bpf_program* SkelPrograms::*program = nullptr;  // null: no program
  bpf_link* SkelLinks::*link = nullptr;

  explicit operator bool() const { return program != nullptr; }
  bpf_program* In(const submitwatch_bpf* skel) const { return skel->progs.*program; }
  bpf_link*& LinkIn(submitwatch_bpf* skel) const { return skel->links.*link; }
  bool operator==(const ProgramSlot&) const = default;
};

struct HookProgram {
  ProgramSlot program;
  const char* tracepoint;  // kernel tracepoint (btf_trace_<name> in BTF)
  int btf_args = -1;       // expected parameter count of btf_trace_<name>; -1: any
};

// Hooks on tracepoints: always tracepoint mode, present or not.
struct TracepointHookSpec {
  Hook hook;
  std::vector<HookProgram> programs;
  const char* blind_spot;  // what this hook cannot see, or "none"
  bool optional = false;   // only with a command-line flag named as the hook (--slab)
};

// One kernel function hooked at entry and exit. Programs are empty where a
// mode does not need one (fexit alone sees the arguments).
struct AttachPoint {
  std::vector<const char*> functions;  // candidate names, first found wins
  ProgramSlot fentry;
  ProgramSlot fexit;
  ProgramSlot kprobe;
  ProgramSlot kretprobe;
};

// Hooks on kernel functions: fentry/fexit > kprobe/kretprobe > tracepoint-only
// (the hook is then not attached, and `without` says what that costs).
struct FunctionHookSpec {
  Hook hook;
  std::vector<AttachPoint> points;
  const char* without;
};

const std::vector<TracepointHookSpec>& TracepointHooks();
const std::vector<FunctionHookSpec>& FunctionHooks();

// The programs of `point` that `mode` loads and attaches, entry first; none
// in tracepoint mode.
std::vector<ProgramSlot> ProgramsFor(const AttachPoint& point, AttachMode mode);

// Functions whose presence on the stack means "in the submit path"
// (docs/DESIGN.md, Vocabulary), for tracepoint-only mode. Missing ones are
// skipped, ".cold"/".isra" parts are included.
const std::vector<std::string>& SubmitPathFunctions();

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_HOOK_TABLE_H_
