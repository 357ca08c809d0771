// Phase 1 of a load: which hooks attach on this kernel, how, and to which
// functions, decided from BTF, kallsyms and trial attachments before the
// object is opened. The later phases (configure_object.h, BpfSession) only
// carry the plan out.
#ifndef SUBMITWATCH_LOADER_LOAD_PLAN_H_
#define SUBMITWATCH_LOADER_LOAD_PLAN_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loader/attach_mode.h"
#include "loader/hook_table.h"
#include "loader/loader_options.h"
#include "model/records.h"

struct btf;

namespace submitwatch {

struct FunctionHookPlan {
  const FunctionHookSpec* spec = nullptr;
  AttachMode mode = AttachMode::kTracepoint;
  std::vector<std::string> functions;  // the resolved name of each attach point
  std::string why_not;                 // why better modes were not used

  HookMode Describe() const;
};

struct TracepointHookPlan {
  const TracepointHookSpec* spec = nullptr;
  bool wanted = true;                 // false: optional and not asked for
  std::vector<std::string> problems;  // why this kernel cannot have it
  std::string attach_failure;         // set by the attach phase

  bool attaches() const { return wanted && problems.empty(); }
  HookMode Describe() const;
};

struct LoadPlan {
  std::vector<FunctionHookPlan> function_hooks;  // in FunctionHooks() order
  std::vector<TracepointHookPlan> tracepoint_hooks;  // in TracepointHooks() order

  // The mode a function hook got; kTracepoint (not attached) for any other.
  AttachMode ModeOf(Hook hook) const;
  // One line per hook the user can have (function hooks first), for probe,
  // capture headers and the TUI.
  std::vector<HookMode> Describe() const;
};

// Loads and attaches a do-nothing program of `mode` to `function` and removes
// it again (TryAttach); tests pass their own.
using AttachTrial = std::function<absl::Status(AttachMode mode, const std::string& function)>;

// Plans every hook: function hooks get the best mode all their attach points
// allow (or only the forced one, failing when the host cannot), tracepoint
// hooks are checked against BTF. One line per trial goes to `probe_log`.
absl::StatusOr<LoadPlan> ResolveTargets(const LoaderOptions& options, const btf* vmlinux_btf,
                                        const AttachTrial& trial,
                                        std::vector<std::string>& probe_log);

}  // namespace submitwatch

#endif  // SUBMITWATCH_LOADER_LOAD_PLAN_H_
