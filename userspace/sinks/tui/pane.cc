#include "sinks/tui/pane.h"


#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "model/names.h"
#include "model/units.h"

namespace submitwatch::tui {

std::string_view PaneTitle(PaneId pane) {
  switch (pane) {
    case PaneId::kCgroups: return names::kTitleCgroups;
    case PaneId::kAllocations: return names::kTitleAllocations;
    case PaneId::kWorkqueues: return names::kTitleWorkqueues;
  }
  return names::kTitleCgroups;
}

const std::vector<std::string_view>& SortNames(PaneId pane) {
  switch (pane) {
    case PaneId::kCgroups: return CgroupSortNames();
    case PaneId::kAllocations: return AllocationSortNames();
    case PaneId::kWorkqueues: return WorkqueueSortNames();
  }
  return CgroupSortNames();
}

PaneTable BuildPaneTable(PaneId pane, const Frame& frame, int sort, std::string_view filter,
                         CgroupFilterMemo* memo) {
  switch (pane) {
    case PaneId::kCgroups: return CgroupTable(frame, sort, filter, memo);
    case PaneId::kAllocations: return AllocationTable(frame, sort, filter);
    case PaneId::kWorkqueues: return WorkqueueTable(frame, sort, filter);
  }
  return {};
}

bool MatchesFilter(std::string_view filter, std::string_view text) {
  return FilterMatcher(filter).Matches(text);
}

FilterMatcher::FilterMatcher(std::string_view filter)
    : needle_(absl::AsciiStrToLower(absl::string_view(filter.data(), filter.size()))) {}

bool FilterMatcher::Matches(std::string_view text) const {
  if (needle_.empty()) return true;
  if (text.size() < needle_.size()) return false;
  // Compared in place, case folded as it goes: run on every row of every
  // frame, a lower-cased copy of each was most of a filtered frame's cost.
  const char first = needle_[0];
  const size_t last_start = text.size() - needle_.size();
  for (size_t i = 0; i <= last_start; ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(text[i])) != first) continue;
    size_t j = 1;
    while (j < needle_.size() &&
           absl::ascii_tolower(static_cast<unsigned char>(text[i + j])) == needle_[j]) {
      ++j;
    }
    if (j == needle_.size()) return true;
  }
  return false;
}

std::string SinceStart(const Frame& frame, uint64_t ts_ns) {
  if (ts_ns == 0) return std::string(names::kNoValue);
  const uint64_t start = frame.start_ns;
  if (start == 0 || ts_ns < start) return std::string(names::kNoValue);
  return FormatDuration(ts_ns - start);
}

std::string FormatRate(const std::optional<double>& per_s) {
  if (!per_s) return std::string(names::kNoValue);
  const double v = *per_s;
  if (v < 1000) return absl::StrFormat("%.1f", v);
  if (v < 1e6) return absl::StrFormat("%.1fk", v / 1e3);
  if (v < 1e9) return absl::StrFormat("%.1fM", v / 1e6);
  return absl::StrFormat("%.1fG", v / 1e9);
}

std::string FormatByteRate(const std::optional<double>& per_s) {
  if (!per_s) return std::string(names::kNoValue);
  return FormatBytes(static_cast<uint64_t>(*per_s + 0.5));
}

}  // namespace submitwatch::tui
