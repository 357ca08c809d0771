// The lines above the panes: who and what is watched (host, kernel, attach
// mode per hook and what it cannot see), for how long, at what rate, at
// what cost to the host, and whether the view is live, replayed or paused.
#ifndef SUBMITWATCH_SINKS_TUI_HEADER_VIEW_H_
#define SUBMITWATCH_SINKS_TUI_HEADER_VIEW_H_

#include <cstddef>
#include <string>
#include <vector>

#include "sinks/tui/frame.h"
#include "sinks/tui/style.h"

namespace submitwatch::tui {

// The attach modes wrap over at most this many lines.
inline constexpr size_t kModeLines = 2;

// Four or five lines, none wider than `width` once clipped.
std::vector<ScreenLine> HeaderLines(const Frame& frame, bool paused, int width);

// "percpu_alloc: slab and page allocations are not traced; ..." per hook,
// without the parenthesised explanations: the short form for the header.
std::vector<std::string> AbbreviatedBlindSpots(const CaptureHeader& header);

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_HEADER_VIEW_H_
