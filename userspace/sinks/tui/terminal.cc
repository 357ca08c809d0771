#include "sinks/tui/terminal.h"

#include <curses.h>
#include <poll.h>
#include <term.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace submitwatch::tui {
namespace {

// Esc alone must quit or go back at once, not after ncurses' default second
// of waiting for the rest of an escape sequence.
constexpr int kEscapeDelayMs = 25;

enum ColorPair : short { kPairRed = 1, kPairYellow, kPairGreen, kPairCyan };

std::string TermName() {
  const char* term = getenv("TERM");
  return term != nullptr && *term != '\0' ? term : "(unset)";
}

// https://no-color.org: present and not empty.
bool NoColorRequested() {
  const char* no_color = getenv("NO_COLOR");
  return no_color != nullptr && *no_color != '\0';
}

absl::Status Refuse(const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(
      why, "; `submitwatch top` needs a full-screen terminal. To write events to a file or a "
           "pipe use `submitwatch record` (see `submitwatch record --help`)"));
}

}  // namespace

absl::Status Terminal::CheckUsable() {
  if (!isatty(STDOUT_FILENO)) return Refuse("standard output is not a terminal");
  int err = 0;
  if (setupterm(nullptr, STDOUT_FILENO, &err) != OK) {
    return Refuse(err == 0 ? absl::StrCat("the terminal type '", TermName(), "' is unknown")
                           : std::string("the terminfo database was not found"));
  }
  char* cup = tigetstr(const_cast<char*>("cup"));
  const bool addressable = cup != nullptr && cup != reinterpret_cast<char*>(-1);
  const bool hardcopy = tigetflag(const_cast<char*>("hc")) > 0;
  del_curterm(cur_term);
  if (!addressable || hardcopy) {
    return Refuse(absl::StrCat("the terminal type '", TermName(), "' cannot move its cursor"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Terminal>> Terminal::Open() {
  if (absl::Status s = CheckUsable(); !s.ok()) return s;
  auto terminal = std::unique_ptr<Terminal>(new Terminal);
  FILE* input = stdin;
  if (!isatty(STDIN_FILENO)) {
    terminal->input_ = fopen("/dev/tty", "re");
    if (terminal->input_ == nullptr) {
      return Refuse("standard input is not a terminal and /dev/tty cannot be opened");
    }
    input = terminal->input_;
  }
  terminal->screen_ = newterm(nullptr, stdout, input);
  if (terminal->screen_ == nullptr) {
    return Refuse(absl::StrCat("cannot set up the terminal '", TermName(), "'"));
  }
  set_term(terminal->screen_);
  cbreak();  // Ctrl-C stays a signal: the stop flag ends the loop cleanly
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  set_escdelay(kEscapeDelayMs);
  curs_set(0);
  leaveok(stdscr, TRUE);
  if (!NoColorRequested() && has_colors() && start_color() == OK) {
    terminal->color_ = true;
    const short background = use_default_colors() == OK ? -1 : COLOR_BLACK;
    init_pair(kPairRed, COLOR_RED, background);
    init_pair(kPairYellow, COLOR_YELLOW, background);
    init_pair(kPairGreen, COLOR_GREEN, background);
    init_pair(kPairCyan, COLOR_CYAN, background);
  }
  return terminal;
}

Terminal::~Terminal() { Close(); }

void Terminal::Close() {
  if (screen_ != nullptr) {
    endwin();
    delscreen(screen_);
    screen_ = nullptr;
  }
  if (input_ != nullptr) {
    fclose(input_);
    input_ = nullptr;
  }
}

int Terminal::ReadKey(int timeout_ms) {
  timeout(timeout_ms);
  return getch();
}

void Terminal::Resized() { clearok(curscr, TRUE); }

bool Terminal::Hung() const {
  pollfd fds[2] = {{fileno(input_ != nullptr ? input_ : stdin), POLLIN, 0},
                   {STDOUT_FILENO, POLLOUT, 0}};
  if (poll(fds, 2, 0) < 0) return false;
  for (const pollfd& p : fds) {
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) return true;
  }
  return false;
}

int Terminal::width() const { return COLS; }
int Terminal::height() const { return LINES; }

int Terminal::Attributes(Style style, bool selected) const {
  int attr = A_NORMAL;
  const auto colour = [this](short pair, int mono) {
    return color_ ? static_cast<int>(COLOR_PAIR(pair)) : mono;
  };
  switch (style) {
    case Style::kNormal: break;
    case Style::kTitle: attr = A_BOLD; break;
    case Style::kColumnHeader: attr = A_REVERSE | A_BOLD; break;
    case Style::kTabActive: attr = A_REVERSE | A_BOLD; break;
    case Style::kTab: break;
    case Style::kStatusBar: attr = A_REVERSE; break;
    case Style::kPrompt: attr = A_BOLD; break;
    case Style::kBad: attr = colour(kPairRed, 0) | A_BOLD; break;
    case Style::kWarn: attr = colour(kPairYellow, A_BOLD); break;
    case Style::kGood: attr = colour(kPairGreen, A_NORMAL); break;
    case Style::kMarked: attr = colour(kPairCyan, 0) | A_BOLD; break;
    case Style::kDim: attr = color_ ? A_DIM : A_NORMAL; break;
  }
  return selected ? attr | A_REVERSE : attr;
}

void Terminal::Paint(const Screen& screen_lines) {
  erase();
  const int rows = LINES;
  const int cols = COLS;
  for (int y = 0; y < rows && y < static_cast<int>(screen_lines.size()); ++y) {
    const ScreenLine& line = screen_lines[y];
    // Writing the bottom-right cell would scroll some terminals.
    const int limit = y == rows - 1 ? cols - 1 : cols;
    int x = 0;
    move(y, 0);
    for (const Span& span : line.spans) {
      if (x >= limit) break;
      const int n = std::min<int>(static_cast<int>(span.text.size()), limit - x);
      attrset(Attributes(span.style, line.selected));
      addnstr(span.text.data(), n);
      x += n;
    }
    if (line.selected) {
      attrset(Attributes(Style::kNormal, true));
      for (; x < limit; ++x) addch(' ');
    }
  }
  attrset(A_NORMAL);
  refresh();
}

}  // namespace submitwatch::tui
