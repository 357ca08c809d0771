#include "tmux_driver.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "kernel_fixtures.h"

namespace submitwatch::testing {
namespace {

constexpr absl::Duration kPollEvery = absl::Milliseconds(50);

}  // namespace

std::string TmuxDriver::Unavailable() {
  CommandResult r = RunCommand({"tmux", "-V"});
  if (r.exit_code != 0) return absl::StrCat("tmux is not installed (", r.output, ")");
  return "";
}

TmuxDriver::TmuxDriver() {
  static std::atomic<int> counter{0};
  const std::string id = absl::StrCat(getpid(), "-", counter++);
  socket_ = absl::StrCat("submitwatch-tui-test-", id);
  config_ = TempPath(absl::StrCat("tmux-", id, ".conf"));
  status_file_ = TempPath(absl::StrCat("tmux-", id, ".status"));
  std::ofstream conf(config_);
  // No status bar: the pane is the whole window, exactly the size asked for.
  conf << "set -g status off\n"
          "set -g remain-on-exit on\n"
          "set -g default-terminal screen\n";
}

TmuxDriver::~TmuxDriver() {
  if (started_) {
    Run({"kill-server"});
    // tmux leaves its socket behind.
    if (!socket_path_.empty()) unlink(socket_path_.c_str());
  }
  unlink(config_.c_str());
  unlink(status_file_.c_str());
}

std::string TmuxDriver::Run(const std::vector<std::string>& args, int* exit_code) {
  std::vector<std::string> argv = {"tmux", "-L", socket_, "-f", config_};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = RunCommand(argv);
  if (exit_code != nullptr) *exit_code = r.exit_code;
  return r.output;
}

::testing::AssertionResult TmuxDriver::Start(const std::string& command, int width, int height) {
  unlink(status_file_.c_str());
  // A trap with a command (unlike an ignored signal) is reset in the child:
  // the command gets SIGINT and SIGTERM as from any shell, and this shell
  // survives Ctrl-C to write the status. SIGHUP (kill-server) still ends it.
  const std::string wrapped = absl::StrCat("trap true INT TERM; ", command, "; echo $? > ",
                                           ShellQuote(status_file_));
  int rc = 0;
  // The server starts with this session, and stops when the driver goes.
  started_ = true;
  std::string out = Run({"new-session", "-d", "-s", "top", "-x", absl::StrCat(width), "-y",
                         absl::StrCat(height), wrapped},
                        &rc);
  if (rc != 0) return ::testing::AssertionFailure() << "tmux new-session failed: " << out;
  socket_path_ = std::string(
      absl::StripAsciiWhitespace(Run({"display-message", "-p", "#{socket_path}"})));
  return ::testing::AssertionSuccess();
}

void TmuxDriver::Keys(const std::vector<std::string>& keys) {
  std::vector<std::string> args = {"send-keys", "-t", "top"};
  args.insert(args.end(), keys.begin(), keys.end());
  Run(args);
}

void TmuxDriver::Type(const std::string& text) { Run({"send-keys", "-t", "top", "-l", text}); }

void TmuxDriver::Resize(int width, int height) {
  Run({"resize-window", "-t", "top", "-x", absl::StrCat(width), "-y", absl::StrCat(height)});
}

std::vector<std::string> TmuxDriver::Lines(bool escapes) {
  std::vector<std::string> args = {"capture-pane", "-p", "-t", "top"};
  if (escapes) args.push_back("-e");
  std::string out = Run(args);
  if (absl::EndsWith(out, "\n")) out.pop_back();
  return absl::StrSplit(out, '\n');
}

std::string TmuxDriver::Screen(bool escapes) { return Joined(Lines(escapes)); }

std::string TmuxDriver::WithHistory() {
  return Run({"capture-pane", "-p", "-t", "top", "-S", "-"});
}

bool TmuxDriver::WaitFor(const std::function<bool(const std::vector<std::string>&)>& done,
                         std::vector<std::string>* last, absl::Duration timeout, bool settled) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<std::string> previous;
  while (true) {
    *last = Lines();
    // Twice the same: not a screen caught halfway through a redraw.
    if (done(*last) && (!settled || *last == previous)) return true;
    if (absl::Now() >= deadline) return false;
    previous = *last;
    absl::SleepFor(kPollEvery);
  }
}

bool TmuxDriver::WaitForText(const std::string& text, std::vector<std::string>* last,
                             absl::Duration timeout, bool settled) {
  return WaitFor([&](const std::vector<std::string>& lines) { return FindLine(lines, {text}) >= 0; },
                 last, timeout, settled);
}

TmuxDriver::Pane TmuxDriver::State() {
  Pane pane;
  const std::string out =
      Run({"display-message", "-p", "-t", "top", "#{pane_dead}|#{alternate_on}"});
  std::vector<std::string> fields = absl::StrSplit(absl::StripAsciiWhitespace(out), '|');
  if (fields.size() >= 2) {
    pane.dead = fields[0] == "1";
    pane.alternate = fields[1] == "1";
  }
  return pane;
}

int TmuxDriver::CommandPid() {
  const std::string shell =
      std::string(absl::StripAsciiWhitespace(Run({"display-message", "-p", "-t", "top",
                                                  "#{pane_pid}"})));
  CommandResult r = RunCommand({"pgrep", "-P", shell});
  int pid = 0;
  if (r.exit_code != 0 || !absl::SimpleAtoi(absl::StripAsciiWhitespace(r.output), &pid)) return 0;
  return pid;
}

bool TmuxDriver::WaitForExit(int* status, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    std::ifstream in(status_file_);
    if (in >> *status) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(kPollEvery);
  }
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) absl::StrAppend(&out, line, "\n");
  return out;
}

int FindLine(const std::vector<std::string>& lines, const std::vector<std::string>& parts) {
  for (size_t i = 0; i < lines.size(); ++i) {
    bool all = true;
    for (const std::string& part : parts) {
      if (!absl::StrContains(lines[i], part)) {
        all = false;
        break;
      }
    }
    if (all) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace submitwatch::testing
