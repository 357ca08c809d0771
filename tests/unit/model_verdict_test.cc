#include "model/verdict.h"

#include <string>

#include "gtest/gtest.h"
#include "model/gfp.h"

namespace submitwatch {
namespace {

AllocRecord Alloc(Allocator allocator, uint64_t gfp, bool is_atomic = false,
                  uint32_t context = kContextSubmit, uint32_t task_flags = 0) {
  AllocRecord r;
  r.allocator = allocator;
  r.gfp_raw = gfp;
  r.is_atomic = is_atomic;
  r.context = context;
  r.task_flags = task_flags;
  return r;
}

// docs/DESIGN.md "Verdict", per-cpu rows.
TEST(ClassifyAlloc, PercpuAtomicByTracepoint) {
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPercpu, kGfpKernelMask, /*is_atomic=*/true)),
            Verdict::kAtomic);
}

TEST(ClassifyAlloc, PercpuAtomicWithoutDirectReclaim) {
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPercpu, kGfpNowaitMask)), Verdict::kAtomic);
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPercpu, kGfpAtomicMask | kGfpNowarn)),
            Verdict::kAtomic);
}

TEST(ClassifyAlloc, PercpuSleepingIsUnsafeWhateverTheIoBits) {
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPercpu, kGfpKernelMask)), Verdict::kUnsafe);
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPercpu, kGfpNoioMask)), Verdict::kUnsafe);
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPercpu, kGfpKernelMask, false, kContextSubmit,
                                kTaskMemallocNoio)),
            Verdict::kUnsafe);
}

// The failure tracepoint has is_atomic but no gfp (gfp_raw 0).
TEST(ClassifyAlloc, PercpuFailureWithoutGfpIsJudgedByIsAtomic) {
  AllocRecord sleeping = Alloc(Allocator::kPercpu, 0, /*is_atomic=*/false);
  sleeping.failed = true;
  EXPECT_EQ(ClassifyAlloc(sleeping), Verdict::kUnsafe);
  AllocRecord atomic = Alloc(Allocator::kPercpu, 0, /*is_atomic=*/true);
  atomic.failed = true;
  EXPECT_EQ(ClassifyAlloc(atomic), Verdict::kAtomic);
  // A failed slab allocation keeps its gfp: the table applies as usual.
  AllocRecord slab = Alloc(Allocator::kSlab, kGfpNowaitMask);
  slab.failed = true;
  EXPECT_EQ(ClassifyAlloc(slab), Verdict::kAtomic);
}

TEST(ClassifyAlloc, SeedDeadlockShape) {
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPercpu, kGfpKernelMask, false,
                                kContextSubmit | kContextReclaim, kTaskMemalloc)),
            Verdict::kUnsafe);
}

// docs/DESIGN.md "Verdict", slab / page rows.
TEST(ClassifyAlloc, SlabPageWithoutDirectReclaimIsAtomic) {
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kSlab, kGfpAtomicMask)), Verdict::kAtomic);
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPage, kGfpNowaitMask | kGfpNowarn)),
            Verdict::kAtomic);
  // __GFP_IO without reclaim cannot start IO.
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kSlab, kGfpIo | kGfpFs)), Verdict::kAtomic);
}

TEST(ClassifyAlloc, SlabPageDirectReclaimWithoutIoIsNoio) {
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kSlab, kGfpNoioMask)), Verdict::kNoio);
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPage, kGfpNoioMask | kGfpZero)), Verdict::kNoio);
}

TEST(ClassifyAlloc, SlabPageDirectReclaimWithIoIsUnsafe) {
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kSlab, kGfpKernelMask)), Verdict::kUnsafe);
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPage, kGfpNofsMask)), Verdict::kUnsafe);
}

TEST(ClassifyAlloc, TaskScopeDecidesForSlabAndPage) {
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kSlab, kGfpKernelMask, false, kContextSubmit,
                                kTaskMemallocNoio)),
            Verdict::kNoio);
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPage, kGfpKernelMask, false, kContextSubmit,
                                kTaskMemallocNoio)),
            Verdict::kNoio);
  // NOFS keeps __GFP_IO.
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kSlab, kGfpKernelMask, false, kContextSubmit,
                                kTaskMemallocNofs)),
            Verdict::kUnsafe);
}

TEST(ClassifyAlloc, OutsideTheSubmitPath) {
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPercpu, kGfpKernelMask, false, 0)),
            Verdict::kOutside);
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kPercpu, kGfpKernelMask, false, kContextWorker)),
            Verdict::kOutside);
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kSlab, kGfpKernelMask, false, kContextReclaim)),
            Verdict::kOutside);
  EXPECT_EQ(ClassifyAlloc(Alloc(Allocator::kSlab, kGfpKernelMask, false, kContextBioList)),
            Verdict::kOutside);
}

TEST(VerdictNames, RoundTrip) {
  EXPECT_EQ(VerdictName(Verdict::kAtomic), "atomic");
  EXPECT_EQ(VerdictName(Verdict::kNoio), "noio");
  EXPECT_EQ(VerdictName(Verdict::kUnsafe), "UNSAFE");
  EXPECT_EQ(VerdictName(Verdict::kOutside), "outside");
  for (Verdict v : {Verdict::kAtomic, Verdict::kNoio, Verdict::kUnsafe, Verdict::kOutside}) {
    EXPECT_EQ(ParseVerdict(VerdictName(v)), v);
  }
  EXPECT_EQ(ParseVerdict("unsafe"), Verdict::kUnsafe);
  EXPECT_EQ(ParseVerdict("safe"), std::nullopt);
  EXPECT_EQ(ParseVerdict(""), std::nullopt);
}

TEST(AllocatorNames, RoundTrip) {
  EXPECT_EQ(AllocatorName(Allocator::kPercpu), "percpu");
  EXPECT_EQ(AllocatorName(Allocator::kSlab), "slab");
  EXPECT_EQ(AllocatorName(Allocator::kPage), "page");
  for (Allocator a : {Allocator::kPercpu, Allocator::kSlab, Allocator::kPage}) {
    EXPECT_EQ(ParseAllocator(AllocatorName(a)), a);
  }
  EXPECT_EQ(ParseAllocator("vmalloc"), std::nullopt);
}

TEST(ContextText, Parts) {
  EXPECT_EQ(ContextText(0, ""), "other");
  EXPECT_EQ(ContextText(kContextBioList, ""), "other");
  EXPECT_EQ(ContextText(kContextSubmit, ""), "submit");
  EXPECT_EQ(ContextText(kContextSubmit | kContextReclaim, ""), "submit+reclaim");
  EXPECT_EQ(ContextText(kContextWorker, "blkg_async_bio_workfn"),
            "worker:blkg_async_bio_workfn");
  EXPECT_EQ(ContextText(kContextWorker, ""), "worker");
  EXPECT_EQ(ContextText(kContextSubmit | kContextWorker | kContextReclaim | kContextBioList,
                        "fn"),
            "submit+worker:fn+reclaim");
  // A stale function name without the worker bit is not shown.
  EXPECT_EQ(ContextText(kContextSubmit, "fn"), "submit");
}

TEST(ParseContextText, InvertsContextText) {
  std::string func = "stale";
  EXPECT_EQ(ParseContextText("other", &func), 0u);
  EXPECT_EQ(func, "");
  EXPECT_EQ(ParseContextText("submit+reclaim", &func), kContextSubmit | kContextReclaim);
  EXPECT_EQ(ParseContextText("submit+worker:fn+reclaim", &func),
            kContextSubmit | kContextWorker | kContextReclaim);
  EXPECT_EQ(func, "fn");
  EXPECT_EQ(ParseContextText("worker", &func), kContextWorker);
  EXPECT_EQ(func, "");
  EXPECT_EQ(ParseContextText("workers+bogus", &func), 0u);
  EXPECT_EQ(ParseContextText("worker:x", nullptr), kContextWorker);
  for (uint32_t bits = 0; bits < 8; ++bits) {
    EXPECT_EQ(ParseContextText(ContextText(bits, "f"), &func), bits);
  }
}

}  // namespace
}  // namespace submitwatch
