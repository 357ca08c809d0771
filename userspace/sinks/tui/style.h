// What a piece of the screen means, not how it looks: the terminal maps
// each style to colours, or to plain attributes when colour is off.
#ifndef SUBMITWATCH_SINKS_TUI_STYLE_H_
#define SUBMITWATCH_SINKS_TUI_STYLE_H_

#include <string>
#include <vector>

namespace submitwatch::tui {

enum class Style {
  kNormal,
  kTitle,         // the tool's name, view titles
  kColumnHeader,  // a table's header line
  kTabActive,
  kTab,
  kStatusBar,     // the bottom line
  kPrompt,        // the filter being typed
  kBad,           // UNSAFE, failed, lost events
  kWarn,          // fallback, pending, paused, end of capture
  kGood,          // ready, atomic
  kMarked,        // per-cpu allocating work functions
  kDim,           // hints
};

struct Span {
  std::string text;
  Style style = Style::kNormal;
};

struct ScreenLine {
  std::vector<Span> spans;
  bool selected = false;  // the cursor's row: shown reversed, full width
};

// Exactly one line per terminal row.
using Screen = std::vector<ScreenLine>;

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_STYLE_H_
