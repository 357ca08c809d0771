// Keys: what the terminal sent, decoded once, and the one table of table-view
// bindings, from which the help screen is written (so it cannot drift).
#ifndef SUBMITWATCH_SINKS_TUI_KEYMAP_H_
#define SUBMITWATCH_SINKS_TUI_KEYMAP_H_

#include <string_view>
#include <vector>

namespace submitwatch::tui {

struct Key {
  enum Kind {
    kNone, kChar, kUp, kDown, kPageUp, kPageDown, kHome, kEnd, kTab, kBackTab,
    kEnter, kEscape, kBackspace, kInterrupt, kResize,
  };
  Kind kind = kNone;
  char ch = 0;  // kChar: a printable ASCII character
};

// An ncurses getch() value (with keypad on) as a Key.
Key DecodeKey(int code);

enum class Command {
  kNone, kQuit, kNextPane, kPrevPane, kPane1, kPane2, kPane3, kUp, kDown, kPageUp,
  kPageDown, kHome, kEnd, kOpen, kSort, kFilter, kPause, kClear, kHelp,
};

struct Binding {
  std::vector<Key> keys;
  Command command;
  std::string_view keys_text;  // as the help screen shows them
  std::string_view help;
};

// The table view's bindings, in help-screen order.
const std::vector<Binding>& TableBindings();
Command TableCommand(const Key& key);

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_KEYMAP_H_
