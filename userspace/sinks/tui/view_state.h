// Where the user is: the pane, the selected row, the sort and filter, and
// which sub-view (help, details, the filter prompt) is open. Changed only by
// keys and kept consistent with each refresh's rows; no drawing here.
#ifndef SUBMITWATCH_SINKS_TUI_VIEW_STATE_H_
#define SUBMITWATCH_SINKS_TUI_VIEW_STATE_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sinks/tui/keymap.h"
#include "sinks/tui/pane.h"

namespace submitwatch::tui {

class ViewState {
 public:
  enum class Mode { kTable, kFilterEdit, kHelp, kDetail };
  // What a key asks of the application beyond the view.
  struct Effects {
    bool quit = false;
    bool clear = false;
  };
  static constexpr size_t kMaxFilterSize = 64;

  Effects HandleKey(const Key& key);

  // After a refresh: keeps the selection on the same row (by key) when it
  // is still shown, inside the rows, and scrolled into the body.
  void SyncTable(const PaneTable& table, int body_rows);
  // Keeps the help or detail view's scroll inside its `lines`.
  void SyncText(int lines, int body_rows);

  Mode mode() const { return mode_; }
  PaneId pane() const { return pane_; }
  bool paused() const { return paused_; }
  const std::string& filter() const { return filter_; }
  const std::string& filter_edit() const { return filter_edit_; }
  int sort() const { return cursor().sort; }
  int selected() const { return cursor().selected; }
  int top() const { return cursor().top; }
  int text_top() const { return text_top_; }
  PaneId detail_pane() const { return detail_pane_; }
  const std::string& detail_key() const { return detail_key_; }
  // Kept from one refresh to the next by whoever builds the tables.
  CgroupFilterMemo& cgroup_filter_memo() { return cgroup_filter_memo_; }

 private:
  struct Cursor {
    int selected = 0;
    int top = 0;
    // The selected row: its RowId, which the next sync looks for, and its
    // key for the detail view; none when the table is empty.
    bool has_row = false;
    uint64_t id = 0;
    std::string key;
    // The rows' ids at the last sync, so that keys between two refreshes
    // (Down then Enter) act on the row they moved to.
    std::vector<uint64_t> ids;
    int sort = 0;
  };

  Cursor& cursor() { return cursors_[static_cast<int>(pane_)]; }
  const Cursor& cursor() const { return cursors_[static_cast<int>(pane_)]; }
  Effects HandleTableKey(const Key& key);
  Effects HandleFilterKey(const Key& key);
  Effects HandleTextKey(const Key& key);
  void Move(int delta);
  void Scroll(int delta);

  Mode mode_ = Mode::kTable;
  PaneId pane_ = PaneId::kCgroups;
  std::array<Cursor, kPaneCount> cursors_;
  bool paused_ = false;
  std::string filter_;
  std::string filter_edit_;
  int text_top_ = 0;
  PaneId detail_pane_ = PaneId::kCgroups;
  std::string detail_key_;
  int page_rows_ = 1;  // body rows at the last sync
  CgroupFilterMemo cgroup_filter_memo_;
};

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_VIEW_STATE_H_
