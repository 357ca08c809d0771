// The Workqueues pane: one row per work function, with queue-to-start
// latency and run time from the kernel's log2 histograms. Functions whose
// workers allocate per-cpu memory (the deferral the kernel's fix pattern
// uses) are marked.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "model/names.h"
#include "model/units.h"
#include "sinks/tui/pane.h"

namespace submitwatch::tui {
namespace {

enum Sort { kByExecuted, kByQueued, kByLatP99, kByLatMax, kByRunP99, kByFunction };

std::string Str(std::string_view s) { return std::string(s); }

// A histogram with no samples has no percentile worth printing as "0ns".
std::string Duration(uint64_t ns) { return ns == 0 ? Str(names::kNoValue) : FormatDuration(ns); }

bool Before(int sort, const WqRow& a, const WqRow& b) {
  switch (sort) {
    case kByQueued: return a.queued > b.queued;
    case kByLatP99: return a.latency_p99_ns > b.latency_p99_ns;
    case kByLatMax: return a.latency_max_ns > b.latency_max_ns;
    case kByRunP99: return a.runtime_p99_ns > b.runtime_p99_ns;
    case kByFunction: return a.function < b.function;
    default: return false;  // the model's order: most executed first
  }
}

}  // namespace

const std::vector<std::string_view>& WorkqueueSortNames() {
  static const auto* const kNames = new std::vector<std::string_view>{
      names::kColExecuted, names::kColQueued, names::kColLatP99,
      names::kColLatMax,   names::kColRunP99, names::kColFunction};
  return *kNames;
}

PaneTable WorkqueueTable(const Frame& frame, int sort, std::string_view filter) {
  PaneTable table;
  table.columns = {
      {"", Align::kLeft},
      {names::kColFunction, Align::kLeft, 0, 12, Keep::kHead, 48},
      {names::kColQueued, Align::kRight},
      {names::kColExecuted, Align::kRight},
      {names::kColLatP50, Align::kRight, 2},
      {names::kColLatP99, Align::kRight},
      {names::kColLatMax, Align::kRight, 1},
      {names::kColRunP99, Align::kRight},
      {names::kColPercpu, Align::kLeft, 3},
  };
  table.unfiltered_rows = frame.workqueues.size();
  std::vector<const WqRow*> rows;
  for (const WqRow& row : frame.workqueues) {
    if (MatchesFilter(filter, row.function)) rows.push_back(&row);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [sort](const WqRow* a, const WqRow* b) { return Before(sort, *a, *b); });
  for (const WqRow* row : rows) {
    TableRow out;
    out.key = RowKey(*row);
    out.cells = {
        row->allocates_percpu ? Str(names::kPercpuMark) : " ",
        row->function,
        absl::StrCat(row->queued),
        absl::StrCat(row->executed),
        Duration(row->latency_p50_ns),
        Duration(row->latency_p99_ns),
        Duration(row->latency_max_ns),
        Duration(row->runtime_p99_ns),
        Str(row->allocates_percpu ? names::kYes : names::kNo),
    };
    out.styles.assign(out.cells.size(), Style::kNormal);
    if (row->allocates_percpu) out.styles[0] = out.styles[1] = out.styles[8] = Style::kMarked;
    table.rows.push_back(std::move(out));
  }
  return table;
}

}  // namespace submitwatch::tui
