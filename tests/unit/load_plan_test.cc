// Phase 1 of a load: which mode and function each hook gets, from BTF and
// trial results given by the test. No privileges, no kernel.
#include "loader/load_plan.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "fake_kernel_btf.h"
#include "gtest/gtest.h"

namespace submitwatch {
namespace {

// The functions of the hook table, with blk_throtl under its pre-6.5 name.
const std::vector<std::string> kFunctions = {"submit_bio", "submit_bio_noacct", "blk_throtl_bio",
                                             "bio_associate_blkg_from_css"};

// A host as the planner sees it: its BTF and what its trials answer.
struct FakeHost {
  std::vector<std::string> functions = kFunctions;
  std::map<std::string, int> tracepoints = AllTracepoints();
  bool fentry_works = true;
  bool kprobe_works = true;
  std::vector<std::string> tried;  // "fentry submit_bio", in order
  std::vector<std::string> log;

  absl::StatusOr<LoadPlan> Resolve(const LoaderOptions& options = {}) {
    BtfPtr btf = FakeKernelBtf(functions, tracepoints);
    const AttachTrial trial = [this](AttachMode mode, const std::string& function) {
      tried.push_back(std::string(AttachModeName(mode)) + " " + function);
      const bool works = mode == AttachMode::kFentry ? fentry_works : kprobe_works;
      return works ? absl::OkStatus()
                   : absl::PermissionDeniedError(std::string(AttachModeName(mode)) +
                                                 " refused at load: EPERM");
    };
    return ResolveTargets(options, btf.get(), trial, log);
  }
};

LoaderOptions Forced(AttachMode mode) {
  LoaderOptions options;
  options.mode = mode;
  return options;
}

LoaderOptions WithSlab() {
  LoaderOptions options;
  options.slab = true;
  return options;
}

const FunctionHookPlan& Function(const LoadPlan& plan, Hook hook) {
  for (const FunctionHookPlan& h : plan.function_hooks) {
    if (h.spec->hook == hook) return h;
  }
  ADD_FAILURE() << "no plan for " << HookName(hook);
  return plan.function_hooks.front();
}

TEST(LoadPlan, FentryWhereItWorksWithTheNameThisKernelHas) {
  FakeHost host;
  absl::StatusOr<LoadPlan> plan = host.Resolve();
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->ModeOf(Hook::kSubmitPath), AttachMode::kFentry);
  EXPECT_EQ(plan->ModeOf(Hook::kBlkThrotl), AttachMode::kFentry);
  EXPECT_EQ(plan->ModeOf(Hook::kBlkgAssoc), AttachMode::kFentry);
  EXPECT_EQ(plan->ModeOf(Hook::kWorkqueue), AttachMode::kTracepoint);  // not a function hook
  EXPECT_EQ(Function(*plan, Hook::kBlkThrotl).functions, std::vector<std::string>{"blk_throtl_bio"});
  EXPECT_EQ(Function(*plan, Hook::kSubmitPath).functions,
            (std::vector<std::string>{"submit_bio", "submit_bio_noacct"}));
  // One trial per attach point, none of kprobe once fentry works.
  EXPECT_EQ(host.tried, (std::vector<std::string>{"fentry submit_bio", "fentry submit_bio_noacct",
                                                    "fentry blk_throtl_bio",
                                                    "fentry bio_associate_blkg_from_css"}));
  EXPECT_EQ(host.log.front(), "submit_path: submit_bio: fentry works");
  for (const TracepointHookPlan& h : plan->tracepoint_hooks) {
    EXPECT_TRUE(h.problems.empty()) << HookName(h.spec->hook);
    EXPECT_EQ(h.attaches(), h.spec->hook != Hook::kSlab) << HookName(h.spec->hook);
  }
}

TEST(LoadPlan, KprobeWhenFentryIsRefusedAndTheReasonIsKept) {
  FakeHost host;
  host.fentry_works = false;
  absl::StatusOr<LoadPlan> plan = host.Resolve();
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->ModeOf(Hook::kSubmitPath), AttachMode::kKprobe);
  // Without kallsyms every candidate counts as present: the first one wins.
  EXPECT_EQ(Function(*plan, Hook::kBlkThrotl).functions,
            std::vector<std::string>{"__blk_throtl_bio"});
  EXPECT_EQ(host.log[0], "submit_path: submit_bio: fentry refused at load: EPERM");
  EXPECT_EQ(host.log[1], "submit_path: submit_bio: kprobe works");
}

TEST(LoadPlan, TracepointOnlyWhenNothingWorksSaysWhy) {
  FakeHost host;
  host.fentry_works = host.kprobe_works = false;
  absl::StatusOr<LoadPlan> plan = host.Resolve();
  ASSERT_TRUE(plan.ok()) << plan.status();
  const HookMode described = Function(*plan, Hook::kSubmitPath).Describe();
  EXPECT_EQ(described.hook, "submit_path");
  EXPECT_EQ(described.mode, "tracepoint");
  EXPECT_TRUE(absl::StrContains(described.detail, "[fentry refused at load: EPERM; kprobe refused"))
      << described.detail;
}

TEST(LoadPlan, ForcedModeFailsWhenTheHostCannot) {
  FakeHost host;
  host.fentry_works = false;
  absl::StatusOr<LoadPlan> plan = host.Resolve(Forced(AttachMode::kFentry));
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(plan.status()));
  EXPECT_TRUE(absl::StartsWith(plan.status().message(),
                               "--mode fentry: this host cannot hook submit_path: "))
      << plan.status();
}

TEST(LoadPlan, ForcedTracepointModeTriesNothing) {
  FakeHost host;
  absl::StatusOr<LoadPlan> plan = host.Resolve(Forced(AttachMode::kTracepoint));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(host.tried.empty());
  EXPECT_EQ(plan->ModeOf(Hook::kSubmitPath), AttachMode::kTracepoint);
  EXPECT_EQ(plan->ModeOf(Hook::kBlkgAssoc), AttachMode::kTracepoint);
}

TEST(LoadPlan, FunctionMissingFromBtfIsNotTried) {
  FakeHost host;
  host.functions = {"submit_bio", "submit_bio_noacct"};
  host.kprobe_works = false;
  absl::StatusOr<LoadPlan> plan = host.Resolve();
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->ModeOf(Hook::kSubmitPath), AttachMode::kFentry);
  EXPECT_EQ(plan->ModeOf(Hook::kBlkThrotl), AttachMode::kTracepoint);
  for (const std::string& t : host.tried) EXPECT_FALSE(absl::StrContains(t, "fentry blk_"));
  EXPECT_TRUE(absl::StrContains(Function(*plan, Hook::kBlkThrotl).why_not,
                                "fentry: no __blk_throtl_bio or blk_throtl_bio on this kernel"))
      << Function(*plan, Hook::kBlkThrotl).why_not;
}

TEST(LoadPlan, SlabNeedsTheSubmitPathHooked) {
  FakeHost host;
  host.fentry_works = host.kprobe_works = false;
  absl::StatusOr<LoadPlan> plan = host.Resolve(WithSlab());
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(absl::StartsWith(plan.status().message(), "--slab needs the submit path hooked"));
}

TEST(LoadPlan, SlabWithAnotherSignatureIsRefused) {
  FakeHost host;
  host.tracepoints["kmem_cache_alloc"] = 8;  // before 6.1
  absl::StatusOr<LoadPlan> plan = host.Resolve(WithSlab());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().message(),
            "--slab: cannot trace here: kmem_cache_alloc has another signature on this kernel");
}

TEST(LoadPlan, MissingTracepointLeavesItsHookUnavailable) {
  FakeHost host;
  host.tracepoints.erase("workqueue_activate_work");
  absl::StatusOr<LoadPlan> plan = host.Resolve();
  ASSERT_TRUE(plan.ok()) << plan.status();
  std::vector<HookMode> modes = plan->Describe();
  // Function hooks first, then the tracepoint hooks asked for (no slab).
  ASSERT_EQ(modes.size(), FunctionHooks().size() + TracepointHooks().size() - 1);
  EXPECT_EQ(modes[0].hook, "submit_path");
  bool found = false;
  for (const HookMode& m : modes) {
    EXPECT_NE(m.hook, "slab");
    if (m.hook != "workqueue") continue;
    found = true;
    EXPECT_EQ(m.mode, "unavailable");
    EXPECT_EQ(m.detail, "workqueue_activate_work missing on this kernel");
  }
  EXPECT_TRUE(found);
}

TEST(AttachModeText, ParsesTheModeNamesAndNothingElse) {
  EXPECT_EQ(*ParseAttachMode(""), std::nullopt);
  for (AttachMode mode : {AttachMode::kFentry, AttachMode::kKprobe, AttachMode::kTracepoint}) {
    absl::StatusOr<std::optional<AttachMode>> parsed = ParseAttachMode(AttachModeName(mode));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, mode);
  }
  absl::StatusOr<std::optional<AttachMode>> bad = ParseAttachMode("fexit");
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_EQ(bad.status().message(), "--mode: 'fexit' is not one of fentry, kprobe, tracepoint");
}

}  // namespace
}  // namespace submitwatch
