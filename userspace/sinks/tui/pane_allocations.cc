// The Submit-path allocations pane: one row per (site, allocator, verdict,
// cgroup, comm). UNSAFE rows carry a mark as well as a colour, so they stand
// out on a terminal without colour too.
#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "model/names.h"
#include "model/units.h"
#include "model/verdict.h"
#include "sinks/tui/pane.h"

namespace submitwatch::tui {
namespace {

enum Sort { kByVerdict, kByCount, kByBytes, kByLastSeen, kBySite, kByCgroup, kByComm };

std::string Str(std::string_view s) { return std::string(s); }

bool Before(int sort, const AllocRow& a, const AllocRow& b) {
  switch (sort) {
    case kByCount: return a.count > b.count;
    case kByBytes: return a.bytes > b.bytes;
    case kByLastSeen: return a.last_ns > b.last_ns;
    case kBySite: return a.site < b.site;
    case kByCgroup: return a.cgroup < b.cgroup;
    case kByComm: return a.comm < b.comm;
    default: return false;  // the model's order: UNSAFE first, then by count
  }
}

Style VerdictStyle(Verdict verdict) {
  switch (verdict) {
    case Verdict::kUnsafe: return Style::kBad;
    case Verdict::kAtomic:
    case Verdict::kNoio: return Style::kGood;
    case Verdict::kOutside: return Style::kNormal;
  }
  return Style::kNormal;
}

}  // namespace

// "GFP_KERNEL (effective GFP_NOIO)" when the task's scope changed the flags.
std::string GfpCell(const AllocRow& row) {
  if (row.effective_gfp_raw == row.gfp_raw) return row.gfp;
  return absl::StrCat(row.gfp, Str(names::kEffectiveGfpPrefix), row.effective_gfp,
                      Str(names::kEffectiveGfpSuffix));
}

std::string CountCell(const AllocRow& row) {
  std::string count = absl::StrCat(row.count);
  if (row.failed != 0) absl::StrAppend(&count, " (", row.failed, Str(names::kFailedSuffix), ")");
  return count;
}

const std::vector<std::string_view>& AllocationSortNames() {
  static const auto* const kNames = new std::vector<std::string_view>{
      names::kColVerdict, names::kColCount,  names::kColBytes, names::kColLastSeen,
      names::kColSite,    names::kColCgroup, names::kColComm};
  return *kNames;
}

PaneTable AllocationTable(const Frame& frame, int sort, std::string_view filter) {
  PaneTable table;
  // Drop order: the times and the allocator (one value on most hosts) go
  // before any cell is cut; then gfp, context and bytes, in that order.
  table.columns = {
      {"", Align::kLeft},
      {names::kColVerdict},
      {names::kColSite, Align::kLeft, 0, 18, Keep::kHead, 40},
      {names::kColAllocator, Align::kLeft, 6},
      {names::kColContext, Align::kLeft, 3, 7, Keep::kHead, 40},
      {names::kColCgroup, Align::kLeft, 0, 12, Keep::kTail, 40},
      {names::kColComm, Align::kLeft, 0, 4, Keep::kHead, 16},
      {names::kColCount, Align::kRight},
      {names::kColBytes, Align::kRight, 2},
      {names::kColGfp, Align::kLeft, 4, 8, Keep::kHead, 48},
      {names::kColFirstSeen, Align::kRight, 7},
      {names::kColLastSeen, Align::kRight, 7},
  };
  table.unfiltered_rows = frame.allocs.size();
  std::vector<const AllocRow*> rows;
  for (const AllocRow& row : frame.allocs) {
    if (MatchesFilter(filter, row.cgroup) || MatchesFilter(filter, row.comm)) {
      rows.push_back(&row);
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [sort](const AllocRow* a, const AllocRow* b) {
    return Before(sort, *a, *b);
  });
  for (const AllocRow* row : rows) {
    const bool unsafe = row->verdict == Verdict::kUnsafe;
    TableRow out;
    out.key = RowKey(*row);
    out.cells = {
        unsafe ? Str(names::kUnsafeMark) : " ",
        Str(VerdictName(row->verdict)),
        row->site,
        Str(AllocatorName(row->allocator)),
        row->context_text,
        row->cgroup,
        row->comm,
        CountCell(*row),
        FormatBytes(row->bytes),
        GfpCell(*row),
        SinceStart(frame, row->first_ns),
        SinceStart(frame, row->last_ns),
    };
    out.styles.assign(out.cells.size(), unsafe ? Style::kBad : Style::kNormal);
    out.styles[1] = VerdictStyle(row->verdict);
    if (row->failed != 0) out.styles[7] = Style::kBad;
    table.rows.push_back(std::move(out));
  }
  return table;
}

}  // namespace submitwatch::tui
