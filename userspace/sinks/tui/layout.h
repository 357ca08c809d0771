// Fitting table columns into the terminal's width: columns keep their
// content's width when they can; when the width is short, columns that may
// shrink do so first, then the least important columns are hidden. Cells are
// cut with a visible marker, never silently.
#ifndef SUBMITWATCH_SINKS_TUI_LAYOUT_H_
#define SUBMITWATCH_SINKS_TUI_LAYOUT_H_

#include <string>
#include <string_view>
#include <vector>

namespace submitwatch::tui {

enum class Align { kLeft, kRight };
// Which end of a cut cell is kept: paths keep their tail (the leaf).
enum class Keep { kHead, kTail };

// Marks where a cell was cut.
inline constexpr char kCutMark = '~';
// Between two columns.
inline constexpr int kColumnGap = 1;
// See ColumnSpec::drop_order.
inline constexpr int kDropBeforeCutting = 5;

struct ColumnSpec {
  std::string_view header;
  Align align = Align::kLeft;
  // 0: always shown; higher numbers are hidden first when the width is
  // short. From kDropBeforeCutting up, a column goes before any other
  // column's content is cut; below, other columns are cut first.
  int drop_order = 0;
  // A column that may be narrower than its content, down to this; 0: never.
  int min_width = 0;
  Keep keep = Keep::kHead;
  // Widest it grows to, however wide its content; 0: no limit.
  int max_width = 0;
};

// The width of each column (0: hidden) for a line of `width` characters,
// given the widest cell of each column (`natural`, header included).
std::vector<int> FitColumns(const std::vector<ColumnSpec>& columns,
                            const std::vector<int>& natural, int width);

// `text` padded or cut to exactly `width` characters.
std::string FitCell(std::string_view text, int width, Align align, Keep keep);
// `text` cut to at most `width` characters, with the cut marked.
std::string Truncate(std::string_view text, int width);

// Control characters and bytes outside ASCII become '?': comms and paths
// come from the kernel and must not move the cursor.
std::string Printable(std::string_view text);

// Word-wraps `text` to `width`, continuation lines indented by `indent`.
std::vector<std::string> Wrap(std::string_view text, int width, int indent);

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_LAYOUT_H_
