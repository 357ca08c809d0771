// The three tables of the view. Each pane turns a frame into rows of text
// cells, sorted and filtered as the user asked; how they are fitted and
// drawn is the screen's business.
#ifndef SUBMITWATCH_SINKS_TUI_PANE_H_
#define SUBMITWATCH_SINKS_TUI_PANE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/tui/frame.h"
#include "sinks/tui/layout.h"
#include "sinks/tui/style.h"

namespace submitwatch::tui {

enum class PaneId { kCgroups = 0, kAllocations = 1, kWorkqueues = 2 };
inline constexpr int kPaneCount = 3;

struct TableRow {
  std::string key;  // RowKey() of the model row
  std::vector<std::string> cells;
  std::vector<Style> styles;  // one per cell
};

struct PaneTable {
  std::vector<ColumnSpec> columns;
  std::vector<TableRow> rows;  // filtered and sorted (unless built on demand)
  size_t unfiltered_rows = 0;
  // A pane with many rows (the cgroups) leaves `rows` empty: it gives the
  // filtered and sorted rows' ids (RowId) and builds a row's cells only
  // when asked, so a table of 100,000 rows formats the few on screen.
  std::vector<uint64_t> row_ids;
  std::function<TableRow(size_t)> build_row;

  size_t size() const { return build_row ? row_ids.size() : rows.size(); }
  uint64_t Id(size_t i) const { return build_row ? row_ids[i] : RowId(rows[i].key); }
  TableRow Row(size_t i) const { return build_row ? build_row(i) : rows[i]; }
};

// What the cgroups table's filter said of each row at the last refresh.
// The next frame shares most rows with the last, mostly in the same order:
// their answers are taken from here, and only the other rows are read
// (reading each of 100,000 rows, a cache miss apiece, was most of a
// filtered frame's time). Holds the last frame's rows, so a row found here
// by its address is that same row, not a new one in a freed one's place.
struct CgroupFilterMemo {
  struct Answers {
    std::string filter;
    std::shared_ptr<const SharedCgroupRows> owner;
    std::vector<const CgroupRow*> rows;  // frame.cgroups order
    std::vector<uint8_t> matched;
    std::vector<uint64_t> ids;  // RowId() of the matched rows
  };
  Answers last;
  Answers next;  // the storage the next refresh writes, kept to be reused
};

std::string_view PaneTitle(PaneId pane);
// The sort orders a pane offers, by the column they sort on. The first is
// the model's own order (problems first).
const std::vector<std::string_view>& SortNames(PaneId pane);
// `sort` indexes SortNames(pane); `filter` is a case-insensitive substring
// of the cgroup path or comm (the function, for workqueues); "" keeps all.
// `memo`: the cgroups table's filter answers, from the last refresh to
// the next (null: none kept).
PaneTable BuildPaneTable(PaneId pane, const Frame& frame, int sort, std::string_view filter,
                         CgroupFilterMemo* memo = nullptr);

// Per pane, in pane_*.cc.
const std::vector<std::string_view>& CgroupSortNames();
const std::vector<std::string_view>& AllocationSortNames();
const std::vector<std::string_view>& WorkqueueSortNames();
PaneTable CgroupTable(const Frame& frame, int sort, std::string_view filter,
                      CgroupFilterMemo* memo = nullptr);
PaneTable AllocationTable(const Frame& frame, int sort, std::string_view filter);
PaneTable WorkqueueTable(const Frame& frame, int sort, std::string_view filter);

// Shared by the panes.
bool MatchesFilter(std::string_view filter, std::string_view text);
// The same for many texts: the filter is folded to lower case once.
class FilterMatcher {
 public:
  explicit FilterMatcher(std::string_view filter);
  bool Matches(std::string_view text) const;

 private:
  std::string needle_;  // lower case
};
// Time since the session started, "-" when unknown.
std::string SinceStart(const Frame& frame, uint64_t ts_ns);
// "12.5", "1.2k", "3.4M" per second; "-" when unknown.
std::string FormatRate(const std::optional<double>& per_s);
std::string FormatByteRate(const std::optional<double>& per_s);
// Allocation cells shared with the detail view.
std::string GfpCell(const AllocRow& row);    // "GFP_KERNEL (effective GFP_NOIO)"
std::string CountCell(const AllocRow& row);  // "12 (3 failed)"

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_PANE_H_
