#include "sinks/tui/keymap.h"

#include <curses.h>

namespace submitwatch::tui {
namespace {

constexpr int kCtrlC = 3;
constexpr int kTabCode = '\t';
constexpr int kEscapeCode = 27;
constexpr int kDeleteCode = 127;

Key Of(Key::Kind kind) { return Key{kind, 0}; }
Key Char(char c) { return Key{Key::kChar, c}; }

bool Same(const Key& a, const Key& b) { return a.kind == b.kind && a.ch == b.ch; }

}  // namespace

Key DecodeKey(int code) {
  switch (code) {
    case KEY_UP: return Of(Key::kUp);
    case KEY_DOWN: return Of(Key::kDown);
    case KEY_PPAGE: return Of(Key::kPageUp);
    case KEY_NPAGE: return Of(Key::kPageDown);
    case KEY_HOME: return Of(Key::kHome);
    case KEY_END: return Of(Key::kEnd);
    case KEY_BTAB: return Of(Key::kBackTab);
    case KEY_ENTER:
    case '\n':
    case '\r': return Of(Key::kEnter);
    case KEY_BACKSPACE:
    case KEY_DC:
    case kDeleteCode:
    case '\b': return Of(Key::kBackspace);
    case KEY_RESIZE: return Of(Key::kResize);
    case kTabCode: return Of(Key::kTab);
    case kEscapeCode: return Of(Key::kEscape);
    case kCtrlC: return Of(Key::kInterrupt);
    default: break;
  }
  if (code >= 0x20 && code < 0x7f) return Char(static_cast<char>(code));
  return Of(Key::kNone);
}

const std::vector<Binding>& TableBindings() {
  static const auto* const kBindings = new std::vector<Binding>{
      {{Of(Key::kTab)}, Command::kNextPane, "Tab", "next pane"},
      {{Of(Key::kBackTab)}, Command::kPrevPane, "Shift-Tab", "previous pane"},
      {{Char('1')}, Command::kPane1, "1", "Cgroups"},
      {{Char('2')}, Command::kPane2, "2", "Submit-path allocations"},
      {{Char('3')}, Command::kPane3, "3", "Workqueues"},
      {{Of(Key::kUp), Char('k')}, Command::kUp, "Up k", "previous row"},
      {{Of(Key::kDown), Char('j')}, Command::kDown, "Down j", "next row"},
      {{Of(Key::kPageUp)}, Command::kPageUp, "PgUp", "page up"},
      {{Of(Key::kPageDown)}, Command::kPageDown, "PgDn", "page down"},
      {{Of(Key::kHome), Char('g')}, Command::kHome, "Home g", "first row"},
      {{Of(Key::kEnd), Char('G')}, Command::kEnd, "End G", "last row"},
      {{Of(Key::kEnter)}, Command::kOpen, "Enter",
       "details of the row: an allocation's kernel stacks (Esc or q goes back)"},
      {{Char('s')}, Command::kSort, "s", "cycle the sort column"},
      {{Char('/')}, Command::kFilter, "/",
       "filter by cgroup path or comm substring (work function on Workqueues); "
       "Enter applies, Esc cancels, an empty filter shows all"},
      {{Char('p')}, Command::kPause, "p", "pause the display (collection continues)"},
      {{Char('c')}, Command::kClear, "c", "clear counters: count afresh from now"},
      {{Char('?'), Char('h')}, Command::kHelp, "? h", "this help"},
      {{Char('q'), Of(Key::kEscape), Of(Key::kInterrupt)}, Command::kQuit, "q Esc Ctrl-C",
       "quit"},
  };
  return *kBindings;
}

Command TableCommand(const Key& key) {
  for (const Binding& b : TableBindings()) {
    for (const Key& k : b.keys) {
      if (Same(k, key)) return b.command;
    }
  }
  return Command::kNone;
}

}  // namespace submitwatch::tui
