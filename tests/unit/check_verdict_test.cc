// `check`: from a model to findings, a verdict line and an exit status, for
// every verdict, every readiness state and every --fail-on word.
#include "sinks/check/check_verdict.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "model/gfp.h"
#include "model/model.h"

namespace submitwatch {
namespace {

AllocRecord SubmitAlloc(Allocator allocator, uint64_t gfp, bool is_atomic,
                        uint32_t task_flags = 0) {
  AllocRecord a;
  a.ts_ns = 1'000;
  a.allocator = allocator;
  a.is_atomic = is_atomic;
  a.site = "blkg_alloc";
  a.site_offset = "blkg_alloc+0x4f";
  a.gfp_raw = gfp;
  a.task_flags = task_flags;
  a.context = kContextSubmit;
  a.cgroup_id = 10;
  a.cgroup = "/ci";
  a.comm = "dd";
  a.bytes = 64;
  a.stack = {"pcpu_alloc_noprof+0x1a", "blkg_alloc+0x4f", "submit_bio+0x20"};
  return a;
}

AllocRecord AllocWithVerdict(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAtomic:
      return SubmitAlloc(Allocator::kPercpu, kGfpNowaitMask, true);
    case Verdict::kNoio:
      return SubmitAlloc(Allocator::kSlab, kGfpKernelMask, false, kTaskMemallocNoio);
    case Verdict::kUnsafe:
      return SubmitAlloc(Allocator::kPercpu, kGfpKernelMask, false);
    case Verdict::kOutside: {
      AllocRecord a = SubmitAlloc(Allocator::kPercpu, kGfpKernelMask, false);
      a.context = kContextWorker;
      a.work_func = "blkg_async_bio_workfn";
      return a;
    }
  }
  return {};
}

BlkgRecord Blkg(uint64_t cgroup_id, uint64_t blkg_cgroup_id, bool ready) {
  BlkgRecord b;
  b.ts_ns = 2'000;
  b.first_seen_ns = 1'500;
  b.cgroup_id = cgroup_id;
  b.cgroup = "/ci";
  b.dev_major = 7;
  b.disk = "loop0";
  b.blkg_cgroup_id = blkg_cgroup_id;
  b.blkg_cgroup = blkg_cgroup_id == 1 ? "/" : "/ci";
  b.online = ready;
  b.has_stats = ready;
  b.bios = 8;
  b.bytes = 8 * 4096;
  return b;
}

// A model whose one (cgroup, disk) pair is in `state`.
void AddPairInState(Model& model, Readiness state) {
  switch (state) {
    case Readiness::kReady:
      model.Add(Blkg(10, 10, true));
      break;
    case Readiness::kFallback:
      model.Add(Blkg(10, 1, true));
      break;
    case Readiness::kPending:
      model.Add(Blkg(10, 10, false));
      break;
    case Readiness::kFailed: {
      model.Add(Blkg(10, 1, true));
      AllocRecord failed = AllocWithVerdict(Verdict::kAtomic);
      failed.failed = true;
      model.Add(failed);
      break;
    }
  }
}

std::optional<FindingKind> KindOfState(Readiness state) {
  switch (state) {
    case Readiness::kReady:
      return std::nullopt;
    case Readiness::kFallback:
      return FindingKind::kFallback;
    case Readiness::kPending:
      return FindingKind::kPending;
    case Readiness::kFailed:
      return FindingKind::kFailed;
  }
  return std::nullopt;
}

FailOn Only(FindingKind kind) {
  FailOn f;
  f.Add(kind);
  return f;
}

TEST(FailOn, ParsesWordsListsRepeatsAndAny) {
  EXPECT_EQ(*FailOn::Parse({}), FailOn::Default());
  EXPECT_EQ(FailOn::Default().ToString(), "unsafe,failed");
  EXPECT_EQ(FailOn::Parse({"unsafe"})->ToString(), "unsafe");
  EXPECT_EQ(FailOn::Parse({"fallback,failed"})->ToString(), "failed,fallback");
  EXPECT_EQ(FailOn::Parse({"pending", "unsafe"})->ToString(), "unsafe,pending");
  EXPECT_EQ(FailOn::Parse({" Unsafe , FALLBACK "})->ToString(), "unsafe,fallback");
  EXPECT_EQ(*FailOn::Parse({"any"}), FailOn::Any());
  EXPECT_EQ(FailOn::Any().ToString(), "unsafe,failed,fallback,pending");
  EXPECT_EQ(*FailOn::Parse({"unsafe", "any"}), FailOn::Any());
  for (FindingKind kind : kAllFindingKinds) {
    absl::StatusOr<FailOn> f = FailOn::Parse({std::string(FindingKindName(kind))});
    ASSERT_TRUE(f.ok());
    for (FindingKind other : kAllFindingKinds) EXPECT_EQ(f->Has(other), other == kind);
  }
}

TEST(FailOn, RejectsUnknownWordsNamingTheValidOnes) {
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"bogus"}, {"unsafe,"}, {""}, {"unsafe", "atomic"}}) {
    absl::StatusOr<FailOn> f = FailOn::Parse(bad);
    ASSERT_FALSE(f.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(f.status()));
    EXPECT_TRUE(absl::StrContains(f.status().message(), "unsafe, failed, fallback, pending, any"))
        << f.status();
  }
}

TEST(EvaluateCheck, EmptyModelIsClean) {
  Model model;
  const CheckResult r = EvaluateCheck(model, FailOn::Any());
  EXPECT_TRUE(r.findings.empty());
  EXPECT_FALSE(r.fails());
  EXPECT_EQ(CheckExitCode(r), kCheckExitClean);
  EXPECT_EQ(CheckVerdictLine(r), "check: clean (fail-on: unsafe,failed,fallback,pending)");
}

TEST(EvaluateCheck, EveryVerdict) {
  for (Verdict verdict : {Verdict::kAtomic, Verdict::kNoio, Verdict::kUnsafe, Verdict::kOutside}) {
    SCOPED_TRACE(std::string(VerdictName(verdict)));
    Model model;
    const AllocRecord a = AllocWithVerdict(verdict);
    ASSERT_EQ(ClassifyAlloc(a), verdict);
    model.Add(a);
    model.Add(a);
    const CheckResult r = EvaluateCheck(model, FailOn::Default());
    // Only submit-path rows are listed; safe ones too.
    if (verdict == Verdict::kOutside) {
      EXPECT_TRUE(r.submit_allocs.empty());
    } else {
      ASSERT_EQ(r.submit_allocs.size(), 1u);
      EXPECT_EQ(r.submit_allocs[0].verdict, verdict);
      EXPECT_EQ(r.submit_allocs[0].count, 2u);
    }
    if (verdict == Verdict::kUnsafe) {
      ASSERT_EQ(r.findings.size(), 1u);
      EXPECT_EQ(r.findings[0].kind, FindingKind::kUnsafe);
      EXPECT_EQ(r.findings[0].count, 2u);  // records, not rows
      EXPECT_TRUE(r.findings[0].fails);
      EXPECT_EQ(CheckExitCode(r), kCheckExitFindings);
      EXPECT_EQ(CheckVerdictLine(r), "check: FAIL: 2 UNSAFE allocations (fail-on: unsafe,failed)");
    } else {
      EXPECT_TRUE(r.findings.empty());
      EXPECT_EQ(CheckExitCode(r), kCheckExitClean);
      EXPECT_EQ(CheckVerdictLine(r), "check: clean (fail-on: unsafe,failed)");
    }
  }
}

TEST(EvaluateCheck, EveryStateAgainstEveryFailOn) {
  for (Readiness state :
       {Readiness::kReady, Readiness::kFallback, Readiness::kPending, Readiness::kFailed}) {
    Model model;
    AddPairInState(model, state);
    const std::optional<FindingKind> expected = KindOfState(state);
    std::vector<std::pair<std::string, FailOn>> fail_ons = {{"default", FailOn::Default()},
                                                            {"any", FailOn::Any()}};
    for (FindingKind kind : kAllFindingKinds) {
      fail_ons.push_back({std::string(FindingKindName(kind)), Only(kind)});
    }
    for (const auto& [label, fail_on] : fail_ons) {
      SCOPED_TRACE(absl::StrCat(std::string(ReadinessName(state)), " with --fail-on ", label));
      const CheckResult r = EvaluateCheck(model, fail_on);
      if (!expected) {
        EXPECT_TRUE(r.findings.empty());
        EXPECT_TRUE(r.problem_cgroups.empty());
        EXPECT_EQ(CheckExitCode(r), kCheckExitClean);
        continue;
      }
      ASSERT_EQ(r.findings.size(), 1u);
      EXPECT_EQ(r.findings[0].kind, *expected);
      EXPECT_EQ(r.findings[0].count, 1u);
      ASSERT_EQ(r.problem_cgroups.size(), 1u);
      EXPECT_EQ(r.problem_cgroups[0].state, state);
      const bool should_fail = fail_on.Has(*expected);
      EXPECT_EQ(r.findings[0].fails, should_fail);
      EXPECT_EQ(CheckExitCode(r), should_fail ? kCheckExitFindings : kCheckExitClean);
      const std::string line = CheckVerdictLine(r);
      const std::string finding =
          absl::StrCat("1 ", std::string(FindingKindName(*expected)), " cgroup/disk pair");
      EXPECT_TRUE(absl::StrContains(line, finding)) << line;
      EXPECT_TRUE(absl::StartsWith(line, should_fail ? "check: FAIL: " : "check: passed: "))
          << line;
    }
  }
}

TEST(EvaluateCheck, DefaultFailsOnUnsafeAndFailedOnly) {
  Model model;
  model.Add(AllocWithVerdict(Verdict::kUnsafe));
  BlkgRecord fallback = Blkg(20, 1, true);
  fallback.cgroup = "/other";
  model.Add(fallback);
  const CheckResult r = EvaluateCheck(model, FailOn::Default());
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].kind, FindingKind::kUnsafe);
  EXPECT_TRUE(r.findings[0].fails);
  EXPECT_EQ(r.findings[1].kind, FindingKind::kFallback);
  EXPECT_FALSE(r.findings[1].fails);
  EXPECT_EQ(CheckVerdictLine(r),
            "check: FAIL: 1 UNSAFE allocation; also 1 fallback cgroup/disk pair "
            "(fail-on: unsafe,failed)");
}

TEST(EvaluateCheck, WorkloadFailureIsItsOwnExitStatusUnlessAFindingFails) {
  for (int workload_exit : {-1, 0, 1, 127, 143}) {
    for (bool unsafe : {false, true}) {
      SCOPED_TRACE(absl::StrCat("exit ", workload_exit, unsafe ? " with UNSAFE" : ""));
      Model model;
      if (unsafe) model.Add(AllocWithVerdict(Verdict::kUnsafe));
      CaptureSummary summary;
      summary.workload_exit = workload_exit;
      model.Add(summary);
      const CheckResult r = EvaluateCheck(model, FailOn::Default());
      EXPECT_EQ(r.workload_exit, workload_exit);
      EXPECT_EQ(r.workload_failed(), workload_exit > 0);
      int expected = kCheckExitClean;
      if (workload_exit > 0) expected = kCheckExitWorkload;
      if (unsafe) expected = kCheckExitFindings;
      EXPECT_EQ(CheckExitCode(r), expected);
    }
  }
  // The statuses are distinct, and 2 stays the usage/setup error.
  EXPECT_NE(kCheckExitWorkload, kCheckExitFindings);
  EXPECT_NE(kCheckExitWorkload, kCheckExitSetup);
  EXPECT_NE(kCheckExitWorkload, kCheckExitClean);
}

TEST(EvaluateCheck, LostEventsAreReported) {
  Model model;
  LostRecord lost;
  lost.ts_ns = 5;
  lost.counts = {{"alloc", 3}};
  model.Add(lost);
  EXPECT_EQ(EvaluateCheck(model, FailOn::Default()).lost, 3u);
}

TEST(RenderCheckText, ListsAllocationsAndProblemCgroupsThenTheVerdict) {
  Model model;
  model.Add(AllocWithVerdict(Verdict::kAtomic));
  model.Add(AllocWithVerdict(Verdict::kUnsafe));
  AddPairInState(model, Readiness::kFallback);
  const std::string text = RenderCheckText(EvaluateCheck(model, FailOn::Default()));
  EXPECT_EQ(text,
            "Submit-path allocations\n"
            "VERDICT  SITE        ALLOCATOR  CONTEXT  GFP         COUNT  CGROUP  COMM\n"
            "!UNSAFE  blkg_alloc  percpu     submit   GFP_KERNEL      1  /ci     dd\n"
            "atomic   blkg_alloc  percpu     submit   GFP_NOWAIT      1  /ci     dd\n"
            "\n"
            "Cgroups without their own stats\n"
            "CGROUP  DISK   STATE     BIOS  ELSEWHERE  CHARGED_TO  FAILED_ALLOCS\n"
            "/ci     loop0  fallback     8          8  /                       0\n"
            "\n"
            "check: FAIL: 1 UNSAFE allocation; also 1 fallback cgroup/disk pair "
            "(fail-on: unsafe,failed)\n");
}

TEST(RenderCheckText, CleanRunSaysSo) {
  Model model;
  const std::string text = RenderCheckText(EvaluateCheck(model, FailOn::Default()));
  EXPECT_TRUE(absl::StrContains(text, "Submit-path allocations\n(none)\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "Cgroups without their own stats\n(none)\n")) << text;
  EXPECT_TRUE(absl::EndsWith(text, "check: clean (fail-on: unsafe,failed)\n")) << text;
}

}  // namespace
}  // namespace submitwatch
