// Lays a frame out on a terminal of a given size, as plain styled text: the
// header, the pane tabs, the table (or a help/detail view), the status line.
// No ncurses here, so the layout is the same whatever draws it.
#ifndef SUBMITWATCH_SINKS_TUI_SCREEN_H_
#define SUBMITWATCH_SINKS_TUI_SCREEN_H_

#include "sinks/tui/frame.h"
#include "sinks/tui/style.h"
#include "sinks/tui/view_state.h"

namespace submitwatch::tui {

// Below this the view shows only a request for a larger terminal.
inline constexpr int kMinWidth = 40;
inline constexpr int kMinHeight = 10;

// `state` is synced to the rows shown (selection, scroll). Returns exactly
// `height` lines, none longer than `width`.
Screen ComposeScreen(const Frame& frame, ViewState& state, int width, int height);

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_SCREEN_H_
