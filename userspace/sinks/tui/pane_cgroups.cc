// The Cgroups pane: one row per (cgroup, disk) pair and its stats readiness.
#include <algorithm>
#include <memory>
#include <numeric>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "model/names.h"
#include "model/units.h"
#include "sinks/tui/pane.h"

namespace submitwatch::tui {
namespace {

enum Sort { kByState, kByBiosRate, kByBytesRate, kByBios, kByBytes, kByElsewhere,
            kByTimeToReady, kByCgroup };

std::string Str(std::string_view s) { return std::string(s); }

std::string CgroupCell(const CgroupRow& row) {
  return row.kthread ? absl::StrCat(row.cgroup, Str(names::kKthreadSuffix)) : row.cgroup;
}

Style StateStyle(Readiness state) {
  switch (state) {
    case Readiness::kReady: return Style::kGood;
    case Readiness::kFallback:
    case Readiness::kPending: return Style::kWarn;
    case Readiness::kFailed: return Style::kBad;
  }
  return Style::kNormal;
}

// Highest first; an unknown rate sorts last.
double RateKey(const std::optional<double>& rate) { return rate ? *rate : -1; }

// Slowest first, and never-ready pairs before all of them.
uint64_t ReadyKey(const CgroupRow& row) {
  return row.state == Readiness::kReady ? row.time_to_ready_ns : UINT64_MAX;
}

bool Before(int sort, const CgroupView& a, const CgroupView& b) {
  switch (sort) {
    case kByBiosRate: return RateKey(a.bios_per_s()) > RateKey(b.bios_per_s());
    case kByBytesRate: return RateKey(a.bytes_per_s()) > RateKey(b.bytes_per_s());
    case kByBios: return a.row.bios > b.row.bios;
    case kByBytes: return a.row.bytes > b.row.bytes;
    case kByElsewhere: return a.row.elsewhere_bios > b.row.elsewhere_bios;
    case kByTimeToReady: return ReadyKey(a.row) > ReadyKey(b.row);
    case kByCgroup: return a.row.cgroup < b.row.cgroup;
    default: return false;  // the model's order
  }
}

TableRow CgroupTableRow(const CgroupView& view) {
  const CgroupRow& row = view.row;
  const bool problem = row.state == Readiness::kFailed || row.state == Readiness::kFallback;
  std::string disk = row.disk.empty() ? absl::StrCat(row.dev_major, ":", row.dev_minor) : row.disk;
  TableRow out;
  out.key = RowKey(row);
  out.cells = {
      problem ? Str(names::kUnsafeMark) : " ",
      CgroupCell(row),
      disk,
      Str(ReadinessName(row.state)),
      FormatRate(view.bios_per_s()),
      FormatByteRate(view.bytes_per_s()),
      absl::StrCat(row.bios),
      FormatBytes(row.bytes),
      absl::StrCat(row.elsewhere_bios),
      row.charged_to.empty() ? Str(names::kNoValue) : row.charged_to,
      row.state == Readiness::kReady ? FormatDuration(row.time_to_ready_ns)
                                     : Str(names::kNoValue),
  };
  out.styles.assign(out.cells.size(), Style::kNormal);
  out.styles[0] = StateStyle(row.state);
  out.styles[3] = StateStyle(row.state);
  if (row.elsewhere_bios != 0) out.styles[8] = out.styles[9] = Style::kWarn;
  return out;
}

}  // namespace

const std::vector<std::string_view>& CgroupSortNames() {
  static const auto* const kNames = new std::vector<std::string_view>{
      names::kColState, names::kColBiosPerSec, names::kColBytesPerSec,
      names::kColBios,  names::kColBytes,      names::kColElsewhere,
      names::kColTimeToReady, names::kColCgroup};
  return *kNames;
}

PaneTable CgroupTable(const Frame& frame, int sort, std::string_view filter,
                      CgroupFilterMemo* memo) {
  PaneTable table;
  // Drop order: with a short width the byte counts and the bio total go
  // before the path is cut; the path, its readiness, the bio rate and
  // where bios went stay longest.
  table.columns = {
      {"", Align::kLeft},
      {names::kColCgroup, Align::kLeft, 0, 16, Keep::kTail, 48},
      {names::kColDisk, Align::kLeft, 0, 0, Keep::kHead, 16},
      {names::kColState},
      {names::kColBiosPerSec, Align::kRight, 1},
      {names::kColBytesPerSec, Align::kRight, 6},
      {names::kColBios, Align::kRight, 5},
      {names::kColBytes, Align::kRight, 5},
      {names::kColElsewhere, Align::kRight, 1},
      {names::kColChargedTo, Align::kLeft, 1, 10, Keep::kTail, 32},
      {names::kColTimeToReady, Align::kRight, 1},
  };
  table.unfiltered_rows = frame.cgroups.size();
  auto rows = std::make_shared<std::vector<const CgroupView*>>();
  rows->reserve(frame.cgroups.size());
  const FilterMatcher matcher(filter);
  const size_t n = frame.cgroups.size();
  CgroupFilterMemo own;
  if (memo == nullptr) memo = &own;
  CgroupFilterMemo::Answers& now = memo->next;
  const CgroupFilterMemo::Answers& last = memo->last;
  now.filter.assign(filter);
  now.owner = frame.cgroup_rows;
  now.rows.resize(n);
  now.matched.assign(n, 0);
  now.ids.resize(n);
  // Rows are known by address only while their table is held.
  const bool recall = last.owner != nullptr && last.filter == filter;
  // Where this row likely was last time: rows that came, went or changed
  // since shift the rest, found again within a few places ahead.
  constexpr size_t kLookAhead = 8;
  std::vector<uint32_t> unknown;
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    const CgroupRow* row = &frame.cgroups[i].row;
    now.rows[i] = row;
    bool known = false;
    for (size_t j = at; recall && j < std::min(last.rows.size(), at + kLookAhead); ++j) {
      if (last.rows[j] != row) continue;
      now.matched[i] = last.matched[j];
      now.ids[i] = last.ids[j];
      at = j + 1;
      known = true;
      break;
    }
    if (!known) unknown.push_back(static_cast<uint32_t>(i));
  }
  // The rows not recalled are those built since, and lie wherever they were
  // allocated: each is fetched, then its path, some places ahead.
  constexpr size_t kRowAhead = 16;
  constexpr size_t kPathAhead = 8;
  for (size_t k = 0; k < unknown.size(); ++k) {
    if (k + kRowAhead < unknown.size()) __builtin_prefetch(now.rows[unknown[k + kRowAhead]]);
    if (k + kPathAhead < unknown.size()) {
      __builtin_prefetch(now.rows[unknown[k + kPathAhead]]->cgroup.data());
    }
    const uint32_t i = unknown[k];
    if (matcher.Matches(now.rows[i]->cgroup)) {
      now.matched[i] = 1;
      now.ids[i] = RowId(*now.rows[i]);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (now.matched[i]) rows->push_back(&frame.cgroups[i]);
  }
  std::stable_sort(rows->begin(), rows->end(), [sort](const CgroupView* a, const CgroupView* b) {
    return Before(sort, *a, *b);
  });
  table.row_ids.reserve(rows->size());
  for (const CgroupView* view : *rows) {
    table.row_ids.push_back(now.ids[view - frame.cgroups.data()]);
  }
  std::swap(memo->last, memo->next);
  memo->next.owner = nullptr;  // the older rows go
  // The table lives no longer than the frame it was built from.
  table.build_row = [rows](size_t i) { return CgroupTableRow(*(*rows)[i]); };
  return table;
}

}  // namespace submitwatch::tui
