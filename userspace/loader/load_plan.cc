#include "loader/load_plan.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "loader/attach_probe.h"
#include "loader/kernel_btf.h"

namespace submitwatch {
namespace {

// Tries fentry, then kprobe (or only the forced mode) on every attach point.
absl::StatusOr<FunctionHookPlan> ResolveFunctionHook(const FunctionHookSpec& spec,
                                                     const LoaderOptions& options,
                                                     const btf* vmlinux_btf,
                                                     const AttachTrial& trial,
                                                     std::vector<std::string>& log) {
  FunctionHookPlan result;
  result.spec = &spec;
  const std::optional<AttachMode> forced = options.mode;
  std::vector<AttachMode> candidates = {AttachMode::kFentry, AttachMode::kKprobe};
  if (forced) candidates = {*forced};
  std::vector<std::string> failures;
  for (AttachMode mode : candidates) {
    if (mode == AttachMode::kTracepoint) break;
    std::vector<std::string> functions;
    std::string failure;
    for (const AttachPoint& point : spec.points) {
      std::string found;
      for (const char* fn : point.functions) {
        const bool exists = mode == AttachMode::kFentry
                                ? FunctionInBtf(vmlinux_btf, fn)
                                : options.symbols == nullptr || options.symbols->Has(fn);
        if (exists) {
          found = fn;
          break;
        }
      }
      if (found.empty()) {
        failure = absl::StrCat(AttachModeName(mode), ": no ",
                               absl::StrJoin(point.functions, " or "), " on this kernel");
        break;
      }
      absl::Status tried = trial(mode, found);
      log.push_back(absl::StrCat(HookName(spec.hook), ": ", found, ": ",
                                 tried.ok() ? absl::StrCat(AttachModeName(mode), " works")
                                            : std::string(tried.message())));
      if (!tried.ok()) {
        failure = std::string(tried.message());
        break;
      }
      functions.push_back(found);
    }
    if (failure.empty()) {
      if (result.functions.empty()) {
        result.mode = mode;
        result.functions = std::move(functions);
      }
      if (!options.trial_all_modes) return result;
      continue;
    }
    failures.push_back(failure);
  }
  if (!result.functions.empty()) return result;
  result.why_not = absl::StrJoin(failures, "; ");
  if (forced && *forced != AttachMode::kTracepoint) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--mode ", AttachModeName(*forced), ": this host cannot hook ", HookName(spec.hook),
        ": ", result.why_not, ". Run `submitwatch probe` to see what works here"));
  }
  return result;
}

// Present in BTF with the expected signature, or not attached.
TracepointHookPlan ResolveTracepointHook(const TracepointHookSpec& spec,
                                         const LoaderOptions& options,
                                         const btf* vmlinux_btf) {
  TracepointHookPlan result;
  result.spec = &spec;
  result.wanted = !spec.optional || options.slab;
  for (const HookProgram& p : spec.programs) {
    const std::optional<int> args = TracepointArgs(vmlinux_btf, p.tracepoint);
    if (!args) {
      result.problems.push_back(absl::StrCat(p.tracepoint, " missing on this kernel"));
    } else if (p.btf_args >= 0 && *args != p.btf_args) {
      result.problems.push_back(
          absl::StrCat(p.tracepoint, " has another signature on this kernel"));
    }
  }
  return result;
}

}  // namespace

HookMode FunctionHookPlan::Describe() const {
  HookMode m{HookName(spec->hook), AttachModeName(mode), ""};
  if (mode == AttachMode::kTracepoint) {
    m.detail = absl::StrCat(spec->without, why_not.empty() ? "" : " [", why_not,
                            why_not.empty() ? "" : "]");
  } else {
    m.detail = absl::StrCat("none (", absl::StrJoin(functions, ", "), ")");
  }
  return m;
}

HookMode TracepointHookPlan::Describe() const {
  if (!problems.empty()) {
    return {HookName(spec->hook), "unavailable", absl::StrJoin(problems, "; ")};
  }
  if (!attach_failure.empty()) return {HookName(spec->hook), "unavailable", attach_failure};
  return {HookName(spec->hook), "tracepoint", spec->blind_spot};
}

AttachMode LoadPlan::ModeOf(Hook hook) const {
  for (const FunctionHookPlan& h : function_hooks) {
    if (h.spec->hook == hook) return h.mode;
  }
  return AttachMode::kTracepoint;
}

std::vector<HookMode> LoadPlan::Describe() const {
  std::vector<HookMode> modes;
  for (const FunctionHookPlan& h : function_hooks) modes.push_back(h.Describe());
  for (const TracepointHookPlan& h : tracepoint_hooks) {
    if (h.wanted) modes.push_back(h.Describe());
  }
  return modes;
}

absl::StatusOr<LoadPlan> ResolveTargets(const LoaderOptions& options, const btf* vmlinux_btf,
                                        const AttachTrial& trial,
                                        std::vector<std::string>& probe_log) {
  LoadPlan plan;
  for (const FunctionHookSpec& spec : FunctionHooks()) {
    absl::StatusOr<FunctionHookPlan> hook =
        ResolveFunctionHook(spec, options, vmlinux_btf, trial, probe_log);
    if (!hook.ok()) return hook.status();
    plan.function_hooks.push_back(*std::move(hook));
  }
  if (options.slab && plan.ModeOf(Hook::kSubmitPath) == AttachMode::kTracepoint) {
    return absl::FailedPreconditionError(
        "--slab needs the submit path hooked with fentry or kprobe (slab and page "
        "allocations are too frequent to walk the stack of each), but this host "
        "only allows tracepoint mode: see `submitwatch probe`");
  }
  for (const TracepointHookSpec& spec : TracepointHooks()) {
    TracepointHookPlan hook = ResolveTracepointHook(spec, options, vmlinux_btf);
    if (hook.wanted && spec.optional && !hook.problems.empty()) {
      return absl::FailedPreconditionError(absl::StrCat("--", HookName(spec.hook),
                                                        ": cannot trace here: ",
                                                        absl::StrJoin(hook.problems, "; ")));
    }
    plan.tracepoint_hooks.push_back(std::move(hook));
  }
  return plan;
}

}  // namespace submitwatch
