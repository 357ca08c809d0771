// The full-pane text views opened from the table: the details of a row (an
// allocation's kernel stacks, a cgroup pair's counts, a work function's
// histograms) and the help screen. Lines are unwrapped; the screen wraps
// them to its width.
#ifndef SUBMITWATCH_SINKS_TUI_TEXT_VIEW_H_
#define SUBMITWATCH_SINKS_TUI_TEXT_VIEW_H_

#include <string>
#include <vector>

#include "sinks/tui/frame.h"
#include "sinks/tui/pane.h"
#include "sinks/tui/style.h"

namespace submitwatch::tui {

struct TextLine {
  std::string text;
  Style style = Style::kNormal;
  // Continuation lines of a wrapped line start this far in, past the
  // line's own leading blanks.
  int wrap_indent = 4;
};

struct TextView {
  std::string title;
  std::vector<TextLine> lines;
};

// The details of the row `key` of `pane` as the frame has it now.
TextView DetailView(const Frame& frame, PaneId pane, const std::string& key);
TextView HelpView(const Frame& frame);

// Per view, in *_view.cc.
TextView AllocationDetail(const Frame& frame, const AllocRow& row);
TextView CgroupDetail(const Frame& frame, const CgroupView& view);
TextView WorkqueueDetail(const WqRow& row);

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_TEXT_VIEW_H_
