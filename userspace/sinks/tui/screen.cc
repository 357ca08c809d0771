#include "sinks/tui/screen.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "model/names.h"
#include "sinks/tui/header_view.h"
#include "sinks/tui/layout.h"
#include "sinks/tui/pane.h"
#include "sinks/tui/text_view.h"

namespace submitwatch::tui {
namespace {

std::string Str(std::string_view s) { return std::string(s); }

// Cuts spans at `width` characters, marking the cut.
ScreenLine Clip(ScreenLine line, int width) {
  ScreenLine out;
  out.selected = line.selected;
  int used = 0;
  for (Span& span : line.spans) {
    if (span.text.empty()) continue;
    if (used >= width) {
      if (!out.spans.empty()) {
        std::string& last = out.spans.back().text;
        if (!last.empty()) last.back() = kCutMark;
      }
      break;
    }
    const int room = width - used;
    if (static_cast<int>(span.text.size()) > room) {
      span.text = Truncate(span.text, room);
      used = width;
      out.spans.push_back(std::move(span));
      break;
    }
    used += static_cast<int>(span.text.size());
    out.spans.push_back(std::move(span));
  }
  return out;
}

ScreenLine Plain(std::string text, Style style) {
  ScreenLine line;
  line.spans.push_back({std::move(text), style});
  return line;
}

// A line in `style` across the whole width.
ScreenLine Bar(std::string text, Style style, int width) {
  if (static_cast<int>(text.size()) < width) text.resize(width, ' ');
  return Plain(std::move(text), style);
}

ScreenLine TabLine(const Frame& frame, const ViewState& state, size_t shown) {
  ScreenLine line;
  const size_t totals[] = {frame.cgroups.size(), frame.allocs.size(), frame.workqueues.size()};
  for (int i = 0; i < kPaneCount; ++i) {
    const PaneId pane = static_cast<PaneId>(i);
    const bool active = pane == state.pane();
    std::string count = absl::StrCat(totals[i]);
    if (active && !state.filter().empty()) count = absl::StrCat(shown, "/", totals[i]);
    if (i > 0) line.spans.push_back({" "});
    line.spans.push_back({absl::StrCat(" ", i + 1, " ", Str(PaneTitle(pane)), " (", count, ") "),
                          active ? Style::kTabActive : Style::kTab});
  }
  return line;
}

ScreenLine StatusLine(const ViewState& state, int width) {
  if (state.mode() == ViewState::Mode::kFilterEdit) {
    ScreenLine line;
    line.spans.push_back({absl::StrCat(Str(names::kLabelFilter), ": ", Printable(state.filter_edit()),
                                       "_"),
                          Style::kPrompt});
    line.spans.push_back({"   Enter apply  Esc cancel  (cgroup path or comm substring)",
                          Style::kDim});
    return line;
  }
  if (state.mode() != ViewState::Mode::kTable) {
    return Bar(" Esc/q back  Up/Down/PgUp/PgDn scroll", Style::kStatusBar, width);
  }
  std::string text = absl::StrCat(" ", Str(names::kLabelSort), ": ",
                                  Str(SortNames(state.pane())[state.sort()]));
  if (!state.filter().empty()) {
    absl::StrAppend(&text, "  ", Str(names::kLabelFilter), ": \"", Printable(state.filter()),
                    "\"");
  }
  absl::StrAppend(&text, " | Enter:details s:sort /:filter p:pause c:clear ?:help q:quit");
  return Bar(std::move(text), Style::kStatusBar, width);
}

std::vector<ScreenLine> TableLines(const PaneTable& table, const ViewState& state, int width,
                                   int body_rows) {
  // Only the rows on screen are built, and they size the columns.
  const int end = std::min<int>(state.top() + body_rows, static_cast<int>(table.size()));
  std::vector<TableRow> shown;
  for (int r = state.top(); r < end; ++r) shown.push_back(table.Row(static_cast<size_t>(r)));
  std::vector<int> natural(table.columns.size(), 0);
  for (const TableRow& row : shown) {
    for (size_t i = 0; i < row.cells.size() && i < natural.size(); ++i) {
      natural[i] = std::max(natural[i], static_cast<int>(row.cells[i].size()));
    }
  }
  const std::vector<int> widths = FitColumns(table.columns, natural, width);
  std::vector<ScreenLine> lines;

  std::string header;
  bool first_column = true;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (widths[i] == 0) continue;
    if (!first_column) header += std::string(kColumnGap, ' ');
    first_column = false;
    header += FitCell(table.columns[i].header, widths[i], table.columns[i].align, Keep::kHead);
  }
  lines.push_back(Bar(header, Style::kColumnHeader, width));

  if (table.size() == 0) {
    lines.push_back(Plain(table.unfiltered_rows == 0
                              ? absl::StrCat(" ", Str(names::kEmptyTable))
                              : " (no row matches the filter)",
                          Style::kDim));
    return lines;
  }
  for (int r = state.top(); r < end; ++r) {
    const TableRow& row = shown[static_cast<size_t>(r - state.top())];
    ScreenLine line;
    line.selected = r == state.selected();
    bool first = true;
    for (size_t i = 0; i < table.columns.size() && i < row.cells.size(); ++i) {
      if (widths[i] == 0) continue;
      if (!first) line.spans.push_back({std::string(kColumnGap, ' ')});
      first = false;
      const ColumnSpec& column = table.columns[i];
      line.spans.push_back({FitCell(Printable(row.cells[i]), widths[i], column.align, column.keep),
                            i < row.styles.size() ? row.styles[i] : Style::kNormal});
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<ScreenLine> TextLines(const TextView& view, ViewState& state, int width,
                                  int body_rows) {
  std::vector<ScreenLine> lines;
  lines.push_back(Bar(absl::StrCat(" ", Printable(view.title)), Style::kColumnHeader, width));
  std::vector<ScreenLine> wrapped;
  for (const TextLine& text : view.lines) {
    for (std::string& piece : Wrap(Printable(text.text), width, text.wrap_indent)) {
      wrapped.push_back(Plain(std::move(piece), text.style));
    }
  }
  state.SyncText(static_cast<int>(wrapped.size()), body_rows);
  const int end = std::min<int>(state.text_top() + body_rows, static_cast<int>(wrapped.size()));
  for (int i = state.text_top(); i < end; ++i) lines.push_back(std::move(wrapped[i]));
  return lines;
}

}  // namespace

Screen ComposeScreen(const Frame& frame, ViewState& state, int width, int height) {
  Screen screen;
  if (width < kMinWidth || height < kMinHeight) {
    screen.push_back(Plain(absl::StrCat("submitwatch top: the terminal is ", width, "x", height,
                                        "; it needs at least ", kMinWidth, "x", kMinHeight),
                           Style::kWarn));
  } else {
    for (ScreenLine& line : HeaderLines(frame, state.paused(), width)) {
      screen.push_back(std::move(line));
    }
    // Below the header: the tabs (or a view's title), the column headers,
    // the rows, and the status line.
    const int body_rows = std::max(1, height - static_cast<int>(screen.size()) - 3);
    std::vector<ScreenLine> body;
    if (state.mode() == ViewState::Mode::kHelp || state.mode() == ViewState::Mode::kDetail) {
      const TextView view = state.mode() == ViewState::Mode::kHelp
                                ? HelpView(frame)
                                : DetailView(frame, state.detail_pane(), state.detail_key());
      // The title takes the tab line; the text starts where the table would.
      body = TextLines(view, state, width, body_rows + 1);
    } else {
      const PaneTable table =
          BuildPaneTable(state.pane(), frame, state.sort(), state.filter(),
                         &state.cgroup_filter_memo());
      state.SyncTable(table, body_rows);
      screen.push_back(TabLine(frame, state, table.size()));
      body = TableLines(table, state, width, body_rows);
    }
    for (ScreenLine& line : body) screen.push_back(std::move(line));
    screen.resize(height - 1);
    screen.push_back(StatusLine(state, width));
  }
  screen.resize(height);
  for (ScreenLine& line : screen) line = Clip(std::move(line), width);
  return screen;
}

}  // namespace submitwatch::tui
