// `report --format folded`: exact output for synthetic allocations.
#include "sinks/export/folded_export.h"

#include "gtest/gtest.h"
#include "model/gfp.h"

namespace submitwatch {
namespace {

AllocRecord Alloc(std::vector<std::string> stack, uint64_t bytes, bool atomic) {
  AllocRecord a;
  a.allocator = Allocator::kPercpu;
  a.is_atomic = atomic;
  a.gfp_raw = atomic ? kGfpNowaitMask : kGfpKernelMask;
  a.context = kContextSubmit;
  a.site = "blkg_alloc";
  a.bytes = bytes;
  a.stack = std::move(stack);
  return a;
}

const std::vector<std::string> kBlkgStack = {"pcpu_alloc_noprof+0x1a", "blkg_alloc+0x4f",
                                             "blkg_create+0x90", "submit_bio+0x20"};
const std::vector<std::string> kThrotlStack = {"pcpu_alloc_noprof+0x1a", "blkg_alloc+0x4f",
                                               "blk_throtl_bio+0x1c0", "submit_bio+0x20"};

TEST(FoldedFrame, StripsOffsetsAndSemicolons) {
  EXPECT_EQ(FoldedFrame("blkg_alloc+0x4f"), "blkg_alloc");
  EXPECT_EQ(FoldedFrame("blkg_alloc+0x4f/0x200"), "blkg_alloc");
  EXPECT_EQ(FoldedFrame("loop_queue_rq+0x10 [loop]"), "loop_queue_rq [loop]");
  EXPECT_EQ(FoldedFrame("0xffffffffc0a01234"), "0xffffffffc0a01234");
  EXPECT_EQ(FoldedFrame("odd;name+0x1"), "odd:name");
  EXPECT_EQ(FoldedFrame("plain"), "plain");
}

TEST(FoldedStacks, OutermostFirstUnderAVerdictFrameWeighedByCountOrBytes) {
  FoldedStacks folded;
  folded.Add(Record(Alloc(kBlkgStack, 160, true)));
  folded.Add(Record(Alloc(kBlkgStack, 160, true)));
  // The same function from another offset merges.
  std::vector<std::string> other_offset = kBlkgStack;
  other_offset[2] = "blkg_create+0x94";
  folded.Add(Record(Alloc(other_offset, 32, true)));
  folded.Add(Record(Alloc(kThrotlStack, 4096, false)));
  // No stack: the call site alone.
  folded.Add(Record(Alloc({}, 8, true)));
  // Not in the submit path: not a submit-path flame graph's business.
  AllocRecord outside = Alloc(kBlkgStack, 999, true);
  outside.context = kContextWorker;
  folded.Add(Record(outside));
  // Other records are ignored.
  folded.Add(Record(BlkgRecord{}));

  EXPECT_EQ(folded.Render(FoldedWeight::kCount),
            "UNSAFE;submit_bio;blk_throtl_bio;blkg_alloc;pcpu_alloc_noprof 1\n"
            "atomic;blkg_alloc 1\n"
            "atomic;submit_bio;blkg_create;blkg_alloc;pcpu_alloc_noprof 3\n");
  EXPECT_EQ(folded.Render(FoldedWeight::kBytes),
            "UNSAFE;submit_bio;blk_throtl_bio;blkg_alloc;pcpu_alloc_noprof 4096\n"
            "atomic;blkg_alloc 8\n"
            "atomic;submit_bio;blkg_create;blkg_alloc;pcpu_alloc_noprof 352\n");
}

// --user-stacks: one line from the program's main down into the allocator.
TEST(FoldedStacks, UserStackComesFirstOutermostFirst) {
  FoldedStacks folded;
  AllocRecord a = Alloc(kBlkgStack, 160, true);
  a.user_stack = {"__libc_pwrite64+0x12 (libc.so.6)", "write_path+0x24 (writer)",
                  "main+0xc (writer)"};
  folded.Add(a);
  AllocRecord stripped = a;
  stripped.user_stack = {"libc.so.6+0xe51a2", "writer+0x11a4", "0x7ffd6a500010"};
  folded.Add(stripped);
  EXPECT_EQ(folded.Render(FoldedWeight::kCount),
            "atomic;0x7ffd6a500010;writer;libc.so.6;submit_bio;blkg_create;blkg_alloc;"
            "pcpu_alloc_noprof 1\n"
            "atomic;main (writer);write_path (writer);__libc_pwrite64 (libc.so.6);submit_bio;"
            "blkg_create;blkg_alloc;pcpu_alloc_noprof 1\n");
}

TEST(FoldedStacks, ZeroWeightLinesAreLeftOutAndEmptyIsEmpty) {
  FoldedStacks folded;
  EXPECT_EQ(folded.Render(FoldedWeight::kCount), "");
  AllocRecord failed = Alloc(kBlkgStack, 0, true);
  failed.failed = true;
  folded.Add(failed);
  EXPECT_EQ(folded.Render(FoldedWeight::kCount),
            "atomic;submit_bio;blkg_create;blkg_alloc;pcpu_alloc_noprof 1\n");
  EXPECT_EQ(folded.Render(FoldedWeight::kBytes), "");
}

TEST(FoldedWeight, Parses) {
  EXPECT_EQ(ParseFoldedWeight("count"), FoldedWeight::kCount);
  EXPECT_EQ(ParseFoldedWeight("bytes"), FoldedWeight::kBytes);
  EXPECT_EQ(ParseFoldedWeight("size"), std::nullopt);
}

}  // namespace
}  // namespace submitwatch
