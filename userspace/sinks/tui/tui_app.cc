#include "sinks/tui/tui_app.h"

#include <curses.h>

#include <memory>

#include "sinks/tui/keymap.h"
#include "sinks/tui/screen.h"
#include "sinks/tui/view_state.h"

namespace submitwatch::tui {
namespace {

// A held-down key must not starve the display.
constexpr int kMaxKeysPerPaint = 32;

}  // namespace

void RunTui(Terminal& terminal, FrameExchange& exchange,
            const std::function<bool()>& should_stop) {
  ViewState state;
  std::shared_ptr<const Frame> shown = exchange.Latest();
  bool dirty = true;
  while (!should_stop() && !exchange.failed() && !terminal.Hung()) {
    std::shared_ptr<const Frame> latest = exchange.Latest();
    // Paused, the display stays as it was; a clear the user asked for still
    // shows, or 'c' would seem to do nothing.
    if (latest != shown && (!state.paused() || latest->clears != shown->clears)) {
      shown = std::move(latest);
      dirty = true;
    }
    if (dirty) {
      terminal.Paint(ComposeScreen(*shown, state, terminal.width(), terminal.height()));
      dirty = false;
    }
    // Keys that arrive together are all handled before the next paint.
    int code = terminal.ReadKey(kKeyWaitMs);
    for (int handled = 0; code != ERR && handled < kMaxKeysPerPaint; ++handled) {
      const Key key = DecodeKey(code);
      if (key.kind == Key::kResize) {
        terminal.Resized();
      } else {
        const ViewState::Effects effects = state.HandleKey(key);
        if (effects.quit) {
          exchange.RequestStop();
          return;
        }
        if (effects.clear) exchange.RequestClear();
        // The next key of the batch acts on the rows this one led to (a
        // pane never shown yet has none until it is laid out).
        ComposeScreen(*shown, state, terminal.width(), terminal.height());
      }
      dirty = true;
      code = terminal.ReadKey(0);
    }
  }
  exchange.RequestStop();
}

}  // namespace submitwatch::tui
