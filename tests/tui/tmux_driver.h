// Drives the real binary inside a private tmux server: start a command in a
// detached session of a given size, send keys, read the screen back with
// capture-pane, resize, and learn how the command exited. The server (and
// with it the command) is killed when the driver goes away, even after a
// failed assertion.
#ifndef SUBMITWATCH_TESTS_TUI_TMUX_DRIVER_H_
#define SUBMITWATCH_TESTS_TUI_TMUX_DRIVER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace submitwatch::testing {

class TmuxDriver {
 public:
  // Why tmux cannot be used here; "" when it can.
  static std::string Unavailable();

  TmuxDriver();  // a socket of its own: tests never see each other's servers
  ~TmuxDriver();
  TmuxDriver(const TmuxDriver&) = delete;
  TmuxDriver& operator=(const TmuxDriver&) = delete;

  // Runs the shell command line `command` in a detached width x height
  // session. The shell that runs it records its exit status (tmux's own
  // pane_dead_status is sometimes never set when the pane's end of file
  // and the child's exit race), and stays out of the way of signals.
  ::testing::AssertionResult Start(const std::string& command, int width, int height);
  // tmux key names ("Enter", "Escape", "BTab", "C-c", "q").
  void Keys(const std::vector<std::string>& keys);
  // Characters typed as they are.
  void Type(const std::string& text);
  void Resize(int width, int height);

  // The visible screen, one string per row; with escapes, colours and
  // attributes as SGR sequences.
  std::vector<std::string> Lines(bool escapes = false);
  std::string Screen(bool escapes = false);
  // The screen and what scrolled off it: once the command exited, tmux's
  // "Pane is dead" line scrolls its last output up.
  std::string WithHistory();

  // Polls the screen (every 50 ms) until `done` holds or `timeout` passes;
  // *last gets the last screen seen either way. With `settled`, `done` must
  // hold on two captures in a row that are the same (a finished redraw);
  // screens that change at every refresh (a running clock) need it off.
  bool WaitFor(const std::function<bool(const std::vector<std::string>&)>& done,
               std::vector<std::string>* last, absl::Duration timeout = absl::Seconds(10),
               bool settled = true);
  bool WaitForText(const std::string& text, std::vector<std::string>* last,
                   absl::Duration timeout = absl::Seconds(10), bool settled = true);

  struct Pane {
    bool dead = false;       // the shell running the command exited
    bool alternate = false;  // the alternate screen is on (a curses app runs)
  };
  Pane State();
  // The pid of the command (the child of the pane's shell); 0 when none.
  int CommandPid();
  // Waits until the command exited; false after the timeout. *status is
  // its exit status, 128 + N when killed by signal N.
  bool WaitForExit(int* status, absl::Duration timeout = absl::Seconds(10));

 private:
  std::string Run(const std::vector<std::string>& args, int* exit_code = nullptr);

  std::string socket_;
  std::string socket_path_;  // the server's socket file, removed at the end
  std::string config_;
  std::string status_file_;
  bool started_ = false;
};

// The screen as one string, for failure messages.
std::string Joined(const std::vector<std::string>& lines);
// Index of the first line containing every one of `parts`, or -1.
int FindLine(const std::vector<std::string>& lines, const std::vector<std::string>& parts);

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_TUI_TMUX_DRIVER_H_
