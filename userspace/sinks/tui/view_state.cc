#include "sinks/tui/view_state.h"

#include <algorithm>
#include <climits>

namespace submitwatch::tui {
namespace {

PaneId Next(PaneId pane, int step) {
  return static_cast<PaneId>((static_cast<int>(pane) + step + kPaneCount) % kPaneCount);
}

// Moves that jump to an end, whatever the row count.
constexpr int kFarAway = INT_MAX / 4;

}  // namespace

ViewState::Effects ViewState::HandleKey(const Key& key) {
  switch (mode_) {
    case Mode::kTable: return HandleTableKey(key);
    case Mode::kFilterEdit: return HandleFilterKey(key);
    case Mode::kHelp:
    case Mode::kDetail: return HandleTextKey(key);
  }
  return {};
}

void ViewState::Move(int delta) {
  Cursor& c = cursor();
  const int n = static_cast<int>(c.ids.size());
  if (n == 0) return;
  const long long target = static_cast<long long>(c.selected) + delta;
  const int selected = static_cast<int>(std::clamp<long long>(target, 0, n - 1));
  if (selected == c.selected) return;
  c.selected = selected;
  c.id = c.ids[c.selected];
  c.key.clear();  // until the next sync names it
}

void ViewState::Scroll(int delta) {
  const long long target = static_cast<long long>(text_top_) + delta;
  text_top_ = static_cast<int>(std::clamp<long long>(target, 0, kFarAway));
}

ViewState::Effects ViewState::HandleTableKey(const Key& key) {
  Effects effects;
  switch (TableCommand(key)) {
    case Command::kNone: break;
    case Command::kQuit: effects.quit = true; break;
    case Command::kNextPane: pane_ = Next(pane_, 1); break;
    case Command::kPrevPane: pane_ = Next(pane_, -1); break;
    case Command::kPane1: pane_ = PaneId::kCgroups; break;
    case Command::kPane2: pane_ = PaneId::kAllocations; break;
    case Command::kPane3: pane_ = PaneId::kWorkqueues; break;
    case Command::kUp: Move(-1); break;
    case Command::kDown: Move(1); break;
    case Command::kPageUp: Move(-page_rows_); break;
    case Command::kPageDown: Move(page_rows_); break;
    case Command::kHome: Move(-kFarAway); break;
    case Command::kEnd: Move(kFarAway); break;
    case Command::kOpen:
      if (cursor().has_row && !cursor().key.empty()) {
        mode_ = Mode::kDetail;
        detail_pane_ = pane_;
        detail_key_ = cursor().key;
        text_top_ = 0;
      }
      break;
    case Command::kSort: {
      Cursor& c = cursor();
      c.sort = (c.sort + 1) % static_cast<int>(SortNames(pane_).size());
      break;
    }
    case Command::kFilter:
      mode_ = Mode::kFilterEdit;
      filter_edit_ = filter_;
      break;
    case Command::kPause: paused_ = !paused_; break;
    case Command::kClear: effects.clear = true; break;
    case Command::kHelp:
      mode_ = Mode::kHelp;
      text_top_ = 0;
      break;
  }
  return effects;
}

ViewState::Effects ViewState::HandleFilterKey(const Key& key) {
  Effects effects;
  switch (key.kind) {
    case Key::kChar:
      if (filter_edit_.size() < kMaxFilterSize) filter_edit_.push_back(key.ch);
      break;
    case Key::kBackspace:
      if (!filter_edit_.empty()) filter_edit_.pop_back();
      break;
    case Key::kEnter:
      filter_ = filter_edit_;
      mode_ = Mode::kTable;
      break;
    case Key::kEscape: mode_ = Mode::kTable; break;
    case Key::kInterrupt: effects.quit = true; break;
    default: break;
  }
  return effects;
}

ViewState::Effects ViewState::HandleTextKey(const Key& key) {
  Effects effects;
  switch (key.kind) {
    case Key::kUp: Scroll(-1); break;
    case Key::kDown: Scroll(1); break;
    case Key::kPageUp: Scroll(-page_rows_); break;
    case Key::kPageDown: Scroll(page_rows_); break;
    case Key::kHome: Scroll(-kFarAway); break;
    case Key::kEnd: Scroll(kFarAway); break;
    case Key::kEscape:
    case Key::kBackspace: mode_ = Mode::kTable; break;
    case Key::kInterrupt: effects.quit = true; break;
    case Key::kChar:
      if (key.ch == 'q' || (mode_ == Mode::kHelp && (key.ch == '?' || key.ch == 'h'))) {
        mode_ = Mode::kTable;
      } else if (key.ch == 'k') {
        Scroll(-1);
      } else if (key.ch == 'j') {
        Scroll(1);
      }
      break;
    default: break;
  }
  return effects;
}

void ViewState::SyncTable(const PaneTable& table, int body_rows) {
  page_rows_ = std::max(1, body_rows);
  Cursor& c = cursor();
  const int n = static_cast<int>(table.size());
  c.ids.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) c.ids[i] = table.Id(static_cast<size_t>(i));
  if (c.has_row) {
    for (int i = 0; i < n; ++i) {
      if (c.ids[i] == c.id) {
        c.selected = i;
        break;
      }
    }
  }
  c.selected = n == 0 ? 0 : std::clamp(c.selected, 0, n - 1);
  c.has_row = n > 0;
  c.id = n == 0 ? 0 : c.ids[c.selected];
  c.key = n == 0 ? "" : table.Row(static_cast<size_t>(c.selected)).key;
  if (c.selected < c.top) c.top = c.selected;
  if (c.selected >= c.top + page_rows_) c.top = c.selected - page_rows_ + 1;
  c.top = std::clamp(c.top, 0, std::max(0, n - page_rows_));
}

void ViewState::SyncText(int lines, int body_rows) {
  page_rows_ = std::max(1, body_rows);
  text_top_ = std::clamp(text_top_, 0, std::max(0, lines - page_rows_));
}

}  // namespace submitwatch::tui
