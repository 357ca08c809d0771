// The UI thread's loop: read keys, take the latest frame, draw. It never
// waits on the feed: frames arrive through the exchange, and drawing a frame
// holds no lock.
#ifndef SUBMITWATCH_SINKS_TUI_TUI_APP_H_
#define SUBMITWATCH_SINKS_TUI_TUI_APP_H_

#include <functional>

#include "sinks/tui/frame_exchange.h"
#include "sinks/tui/terminal.h"

namespace submitwatch::tui {

// How long a key read waits: how soon a new frame, a stop signal or a
// resize is noticed.
inline constexpr int kKeyWaitMs = 100;

// Runs until the user quits, `should_stop()` turns true (a signal) or the
// feed fails. Asks the feed to stop before returning; does not close the
// terminal.
void RunTui(Terminal& terminal, FrameExchange& exchange,
            const std::function<bool()>& should_stop);

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_TUI_APP_H_
