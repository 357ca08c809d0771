// The ncurses terminal: set up on open, restored on close (or destruction),
// colours only when the terminal has them and NO_COLOR is not set. It draws
// a composed Screen and reads keys; it knows nothing of what they mean.
#ifndef SUBMITWATCH_SINKS_TUI_TERMINAL_H_
#define SUBMITWATCH_SINKS_TUI_TERMINAL_H_

#include <cstdio>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sinks/tui/style.h"

// ncurses' SCREEN, without its macros in every includer.
struct screen;

namespace submitwatch::tui {

class Terminal {
 public:
  // OK when standard output is a terminal that can show a full-screen view;
  // else InvalidArgument saying why (not a terminal, an unknown type, one
  // that cannot move its cursor such as TERM=dumb).
  static absl::Status CheckUsable();
  static absl::StatusOr<std::unique_ptr<Terminal>> Open();
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // Restores the terminal (endwin); idempotent.
  void Close();

  // ncurses' key code (keypad on), or -1 (ERR) after timeout_ms.
  int ReadKey(int timeout_ms);
  // The terminal went away (hangup, closed pty): getch() then returns ERR
  // at once forever, so the loop must notice this and end.
  bool Hung() const;
  // After KEY_RESIZE: the next Paint repaints every cell.
  void Resized();
  void Paint(const Screen& screen);

  int width() const;
  int height() const;
  bool color() const { return color_; }

 private:
  Terminal() = default;
  int Attributes(Style style, bool selected) const;

  screen* screen_ = nullptr;
  FILE* input_ = nullptr;  // /dev/tty when standard input is not a terminal
  bool color_ = false;
};

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_TERMINAL_H_
