#include "model/gfp.h"

#include <string_view>

#include "absl/strings/str_format.h"
#include "model/names.h"
#include "model/records.h"

namespace submitwatch {
namespace {

struct GfpName {
  uint64_t mask;
  std::string_view name;
};

// The order of include/trace/events/mmflags.h: a composite must come before
// any composite it contains, or GFP_USER would print as
// GFP_KERNEL|__GFP_HARDWALL. Matching is greedy, each match consumes its bits.
constexpr GfpName kGfpNames[] = {
    {kGfpTranshugeMask, "GFP_TRANSHUGE"},
    {kGfpTranshugeLightMask, "GFP_TRANSHUGE_LIGHT"},
    {kGfpHighuserMovableMask, "GFP_HIGHUSER_MOVABLE"},
    {kGfpHighuserMask, "GFP_HIGHUSER"},
    {kGfpUserMask, "GFP_USER"},
    {kGfpKernelAccountMask, "GFP_KERNEL_ACCOUNT"},
    {kGfpKernelMask, "GFP_KERNEL"},
    {kGfpNofsMask, "GFP_NOFS"},
    {kGfpAtomicMask, "GFP_ATOMIC"},
    {kGfpNoioMask, "GFP_NOIO"},
    {kGfpNowaitMask, "GFP_NOWAIT"},
    {kGfpDma, "GFP_DMA"},
    {kGfpDma32, "GFP_DMA32"},
    {kGfpReclaim, "__GFP_RECLAIM"},
    {kGfpDma, "__GFP_DMA"},
    {kGfpHighmem, "__GFP_HIGHMEM"},
    {kGfpDma32, "__GFP_DMA32"},
    {kGfpMovable, "__GFP_MOVABLE"},
    {kGfpReclaimable, "__GFP_RECLAIMABLE"},
    {kGfpHigh, "__GFP_HIGH"},
    {kGfpIo, "__GFP_IO"},
    {kGfpFs, "__GFP_FS"},
    {kGfpZero, "__GFP_ZERO"},
    {kGfpDirectReclaim, "__GFP_DIRECT_RECLAIM"},
    {kGfpKswapdReclaim, "__GFP_KSWAPD_RECLAIM"},
    {kGfpWrite, "__GFP_WRITE"},
    {kGfpNowarn, "__GFP_NOWARN"},
    {kGfpRetryMayfail, "__GFP_RETRY_MAYFAIL"},
    {kGfpNofail, "__GFP_NOFAIL"},
    {kGfpNoretry, "__GFP_NORETRY"},
    {kGfpMemalloc, "__GFP_MEMALLOC"},
    {kGfpComp, "__GFP_COMP"},
    {kGfpNomemalloc, "__GFP_NOMEMALLOC"},
    {kGfpHardwall, "__GFP_HARDWALL"},
    {kGfpThisnode, "__GFP_THISNODE"},
    {kGfpAccount, "__GFP_ACCOUNT"},
    {kGfpZerotags, "__GFP_ZEROTAGS"},
    {kGfpNoObjExt, "__GFP_NO_OBJ_EXT"},
};

}  // namespace

std::string GfpText(uint64_t gfp) {
  std::string text;
  AppendGfpText(text, gfp);
  return text;
}

void AppendGfpText(std::string& out, uint64_t gfp) {
  if (gfp == 0) {
    out.append(names::kGfpNone);
    return;
  }
  bool first = true;
  for (const GfpName& entry : kGfpNames) {
    if (gfp == 0) break;
    if ((gfp & entry.mask) != entry.mask) continue;
    gfp &= ~entry.mask;
    if (!first) out.push_back('|');
    out.append(entry.name);
    first = false;
  }
  // Like the kernel: whatever no name claimed is printed as one hex value.
  if (gfp != 0) {
    if (!first) out.push_back('|');
    absl::StrAppendFormat(&out, "0x%x", gfp);
  }
}

uint64_t EffectiveGfp(uint64_t gfp, uint32_t task_flags) {
  // current_gfp_context(): NOIO wins over NOFS; it implies it.
  if (task_flags & kTaskMemallocNoio) return gfp & ~(kGfpIo | kGfpFs);
  if (task_flags & kTaskMemallocNofs) return gfp & ~kGfpFs;
  return gfp;
}

}  // namespace submitwatch
