// gfp flags as the kernel lays them out since 6.3, their text as the kernel's
// show_gfp_flags() prints it, and the effective mask after a task's scoped
// constraints (current_gfp_context()).
#ifndef SUBMITWATCH_MODEL_GFP_H_
#define SUBMITWATCH_MODEL_GFP_H_

#include <cstdint>
#include <string>

namespace submitwatch {

// Bit numbers from include/linux/gfp_types.h. Before 6.3 ("mm: discard
// __GFP_ATOMIC") bit 9 was __GFP_ATOMIC; it is unused now. The bits the
// verdict reads (IO, FS, DIRECT_RECLAIM, KSWAPD_RECLAIM) sit at the same
// positions on both sides of that change, so older kernels classify the same.
// Bits above ZEROTAGS depend on the config (KASAN_HW_TAGS, LOCKDEP insert
// theirs first); bit 24 is NO_OBJ_EXT on the usual x86 distribution kernel.
inline constexpr uint64_t kGfpDma = 1ull << 0;
inline constexpr uint64_t kGfpHighmem = 1ull << 1;
inline constexpr uint64_t kGfpDma32 = 1ull << 2;
inline constexpr uint64_t kGfpMovable = 1ull << 3;
inline constexpr uint64_t kGfpReclaimable = 1ull << 4;
inline constexpr uint64_t kGfpHigh = 1ull << 5;
inline constexpr uint64_t kGfpIo = 1ull << 6;
inline constexpr uint64_t kGfpFs = 1ull << 7;
inline constexpr uint64_t kGfpZero = 1ull << 8;
inline constexpr uint64_t kGfpDirectReclaim = 1ull << 10;
inline constexpr uint64_t kGfpKswapdReclaim = 1ull << 11;
inline constexpr uint64_t kGfpWrite = 1ull << 12;
inline constexpr uint64_t kGfpNowarn = 1ull << 13;
inline constexpr uint64_t kGfpRetryMayfail = 1ull << 14;
inline constexpr uint64_t kGfpNofail = 1ull << 15;
inline constexpr uint64_t kGfpNoretry = 1ull << 16;
inline constexpr uint64_t kGfpMemalloc = 1ull << 17;
inline constexpr uint64_t kGfpComp = 1ull << 18;
inline constexpr uint64_t kGfpNomemalloc = 1ull << 19;
inline constexpr uint64_t kGfpHardwall = 1ull << 20;
inline constexpr uint64_t kGfpThisnode = 1ull << 21;
inline constexpr uint64_t kGfpAccount = 1ull << 22;
inline constexpr uint64_t kGfpZerotags = 1ull << 23;
inline constexpr uint64_t kGfpNoObjExt = 1ull << 24;

inline constexpr uint64_t kGfpReclaim = kGfpDirectReclaim | kGfpKswapdReclaim;

// The composite masks show_gfp_flags() knows.
inline constexpr uint64_t kGfpAtomicMask = kGfpHigh | kGfpKswapdReclaim;
inline constexpr uint64_t kGfpKernelMask = kGfpReclaim | kGfpIo | kGfpFs;
inline constexpr uint64_t kGfpKernelAccountMask = kGfpKernelMask | kGfpAccount;
// The long-standing mask. Newer kernels fold __GFP_NOWARN into GFP_NOWAIT
// ("gfp: Include __GFP_NOWARN in GFP_NOWAIT"); decoding the raw bits with the
// older mask still names every bit, only as GFP_NOWAIT|__GFP_NOWARN.
inline constexpr uint64_t kGfpNowaitMask = kGfpKswapdReclaim;
inline constexpr uint64_t kGfpNoioMask = kGfpReclaim;
inline constexpr uint64_t kGfpNofsMask = kGfpReclaim | kGfpIo;
inline constexpr uint64_t kGfpUserMask = kGfpKernelMask | kGfpHardwall;
inline constexpr uint64_t kGfpHighuserMask = kGfpUserMask | kGfpHighmem;
// __GFP_SKIP_KASAN is part of it only with KASAN_HW_TAGS (arm64 MTE).
inline constexpr uint64_t kGfpHighuserMovableMask = kGfpHighuserMask | kGfpMovable;
inline constexpr uint64_t kGfpTranshugeLightMask =
    (kGfpHighuserMovableMask | kGfpComp | kGfpNomemalloc | kGfpNowarn) & ~kGfpReclaim;
inline constexpr uint64_t kGfpTranshugeMask = kGfpTranshugeLightMask | kGfpDirectReclaim;

// "GFP_KERNEL", "GFP_NOWAIT|__GFP_NOWARN", "__GFP_HIGH|0x200000000"; "none"
// for 0. Composite names are matched greedily first, in mmflags.h's order.
std::string GfpText(uint64_t gfp);
// The same, appended to `out` (no allocation once `out` has room: the
// capture writer formats every allocation event with it).
void AppendGfpText(std::string& out, uint64_t gfp);

// The mask the allocator really uses: PF_MEMALLOC_NOIO clears __GFP_IO and
// __GFP_FS, PF_MEMALLOC_NOFS clears __GFP_FS.
uint64_t EffectiveGfp(uint64_t gfp, uint32_t task_flags);

}  // namespace submitwatch

#endif  // SUBMITWATCH_MODEL_GFP_H_
