#include "model/gfp.h"

#include "gtest/gtest.h"
#include "model/records.h"

namespace submitwatch {
namespace {

// The values the kernel prints for these masks since 6.3 (gfp_flags=0x...).
TEST(GfpLayout, CompositesHaveTheKernelsValues) {
  EXPECT_EQ(kGfpKernelMask, 0xcc0u);
  EXPECT_EQ(kGfpKernelAccountMask, 0x400cc0u);
  EXPECT_EQ(kGfpAtomicMask, 0x820u);
  EXPECT_EQ(kGfpNoioMask, 0xc00u);
  EXPECT_EQ(kGfpNofsMask, 0xc40u);
  EXPECT_EQ(kGfpNowaitMask, 0x800u);
  EXPECT_EQ(kGfpUserMask, 0x100cc0u);
  EXPECT_EQ(kGfpHighuserMovableMask, 0x100ccau);
}

TEST(GfpText, ZeroIsNone) { EXPECT_EQ(GfpText(0), "none"); }

TEST(GfpText, CommonMasks) {
  EXPECT_EQ(GfpText(kGfpKernelMask), "GFP_KERNEL");
  EXPECT_EQ(GfpText(kGfpKernelAccountMask), "GFP_KERNEL_ACCOUNT");
  EXPECT_EQ(GfpText(kGfpNoioMask), "GFP_NOIO");
  EXPECT_EQ(GfpText(kGfpNofsMask), "GFP_NOFS");
  EXPECT_EQ(GfpText(kGfpAtomicMask), "GFP_ATOMIC");
  EXPECT_EQ(GfpText(kGfpNowaitMask), "GFP_NOWAIT");
  EXPECT_EQ(GfpText(kGfpUserMask), "GFP_USER");
  EXPECT_EQ(GfpText(kGfpHighuserMovableMask), "GFP_HIGHUSER_MOVABLE");
  EXPECT_EQ(GfpText(kGfpDma), "GFP_DMA");
}

TEST(GfpText, CompositePlusSingles) {
  EXPECT_EQ(GfpText(kGfpNowaitMask | kGfpNowarn), "GFP_NOWAIT|__GFP_NOWARN");
  EXPECT_EQ(GfpText(kGfpAtomicMask | kGfpNowarn), "GFP_ATOMIC|__GFP_NOWARN");
  EXPECT_EQ(GfpText(kGfpKernelMask | kGfpZero), "GFP_KERNEL|__GFP_ZERO");
  EXPECT_EQ(GfpText(kGfpNoioMask | kGfpNoretry | kGfpNowarn),
            "GFP_NOIO|__GFP_NOWARN|__GFP_NORETRY");
  EXPECT_EQ(GfpText(0x2cc0), "GFP_KERNEL|__GFP_NOWARN");
}

TEST(GfpText, SinglesOnly) {
  EXPECT_EQ(GfpText(kGfpDirectReclaim), "__GFP_DIRECT_RECLAIM");
  EXPECT_EQ(GfpText(kGfpHigh), "__GFP_HIGH");
  EXPECT_EQ(GfpText(kGfpIo | kGfpFs), "__GFP_IO|__GFP_FS");
  EXPECT_EQ(GfpText(kGfpNoObjExt), "__GFP_NO_OBJ_EXT");
}

TEST(GfpText, UnknownBitsAsHex) {
  // Bit 9 was __GFP_ATOMIC before 6.3 and has no name now.
  EXPECT_EQ(GfpText(0x200), "0x200");
  EXPECT_EQ(GfpText(kGfpKernelMask | 0x200), "GFP_KERNEL|0x200");
  EXPECT_EQ(GfpText(kGfpHigh | (1ull << 40) | (1ull << 33)), "__GFP_HIGH|0x10200000000");
}

TEST(EffectiveGfp, NoTaskScopeKeepsTheMask) {
  EXPECT_EQ(EffectiveGfp(kGfpKernelMask, 0), kGfpKernelMask);
  EXPECT_EQ(EffectiveGfp(kGfpKernelMask, kTaskMemalloc | kTaskKswapd), kGfpKernelMask);
}

TEST(EffectiveGfp, NoioClearsIoAndFs) {
  EXPECT_EQ(EffectiveGfp(kGfpKernelMask, kTaskMemallocNoio), kGfpNoioMask);
  EXPECT_EQ(EffectiveGfp(kGfpKernelAccountMask | kGfpZero, kTaskMemallocNoio),
            kGfpNoioMask | kGfpAccount | kGfpZero);
  EXPECT_EQ(EffectiveGfp(kGfpKernelMask, kTaskMemallocNoio | kTaskMemallocNofs), kGfpNoioMask);
}

TEST(EffectiveGfp, NofsClearsFsOnly) {
  EXPECT_EQ(EffectiveGfp(kGfpKernelMask, kTaskMemallocNofs), kGfpNofsMask);
  EXPECT_EQ(EffectiveGfp(kGfpNoioMask, kTaskMemallocNofs), kGfpNoioMask);
}

}  // namespace
}  // namespace submitwatch
