// `submitwatch top --replay` as a user sees it: the real binary in a tmux
// pane, driven with keys and read back with capture-pane. No privileges.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "model/names.h"
#include "synthetic_capture.h"
#include "tmux_driver.h"

namespace submitwatch::testing {
namespace {

using namespace synthetic;  // NOLINT: the capture's known rows

std::string Str(std::string_view s) { return std::string(s); }

// A colour (foreground or background) set by an SGR sequence.
const std::regex& ColourSgr() {
  static const std::regex kColour("\x1b\\[([0-9]+;)*(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9]+)*m");
  return kColour;
}
const std::regex& RedSgr() {
  static const std::regex kRed("\x1b\\[([0-9]+;)*31(;[0-9]+)*m");
  return kRed;
}

class TopReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = TmuxDriver::Unavailable(); !why.empty()) SW_SKIP_OR_FAIL(why);
    capture_ = TempPath(absl::StrCat(
        "tui-", ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".jsonl"));
    ASSERT_TRUE(WriteSyntheticCapture(capture_));
  }

  void TearDown() override {
    tmux_.reset();  // kills the server and the binary with it
    unlink(capture_.c_str());
  }

  std::string Command(const std::string& env, const std::string& options) {
    return absl::StrCat("env -u NO_COLOR ", env, " ", ShellQuote(SUBMITWATCH_BINARY),
                        " top --replay ", ShellQuote(capture_), " ", options);
  }

  // Starts the replay (all at once by default) and waits for its last state.
  void StartTop(int width = 120, int height = 40, const std::string& env = "",
                const std::string& options = "--speed 0") {
    tmux_ = std::make_unique<TmuxDriver>();
    ASSERT_TRUE(tmux_->Start(Command(env, options), width, height));
    ASSERT_TRUE(tmux_->WaitFor(
        [](const std::vector<std::string>& lines) {
          return FindLine(lines, {Str(names::kEndOfCapture)}) >= 0 &&
                 FindLine(lines, {kReadyCgroup}) >= 0;
        },
        &screen_))
        << Joined(screen_);
  }

  // Sends keys and waits until every part shows on one line.
  void KeysThenWait(const std::vector<std::string>& keys, const std::vector<std::string>& parts) {
    tmux_->Keys(keys);
    ASSERT_TRUE(tmux_->WaitFor(
        [&](const std::vector<std::string>& lines) { return FindLine(lines, parts) >= 0; },
        &screen_))
        << "waiting for " << parts.front() << " in:\n"
        << Joined(screen_);
  }

  int Line(const std::vector<std::string>& parts) { return FindLine(screen_, parts); }

  std::string capture_;
  std::unique_ptr<TmuxDriver> tmux_;
  std::vector<std::string> screen_;
};

TEST_F(TopReplayTest, HeaderAndEveryPaneShowTheCapturesRows) {
  StartTop();
  // Header: host, kernel, modes, what they cannot see, replay state, cost.
  EXPECT_GE(Line({"submitwatch top", "REPLAY", Str(names::kEndOfCapture), kHost, kKernel}), 0)
      << Joined(screen_);
  EXPECT_GE(Line({Str(names::kLabelBpfCost), Str(names::kBpfCostReplay)}), 0) << Joined(screen_);
  EXPECT_GE(Line({"modes:", "tracepoint", "percpu_alloc", "block_bio_queue", "workqueue"}), 0)
      << Joined(screen_);
  // Abbreviated: without the parenthesised explanation.
  const int blind = Line({Str(names::kLabelCannotSee),
                          "percpu_alloc: submit path found from the kernel stack; slab"});
  ASSERT_GE(blind, 0) << Joined(screen_);
  EXPECT_FALSE(absl::StrContains(screen_[blind], "inlined")) << screen_[blind];
  EXPECT_GE(Line({"lost 0"}), 0) << Joined(screen_);

  // Cgroups: one row per state, problems marked.
  const int ready = Line({kReadyCgroup, kDisk, "ready", "64"});
  const int fallback = Line({kFallbackCgroup, kDisk, "fallback", "10"});
  const int failed = Line({kFailedCgroup, "failed"});
  const int pending = Line({kPendingCgroup, kDisk, "pending"});
  ASSERT_GE(ready, 0) << Joined(screen_);
  ASSERT_GE(fallback, 0) << Joined(screen_);
  ASSERT_GE(failed, 0) << Joined(screen_);
  ASSERT_GE(pending, 0) << Joined(screen_);
  // The model's order: failed, fallback, pending, ready.
  EXPECT_LT(failed, fallback);
  EXPECT_LT(fallback, pending);
  EXPECT_LT(pending, ready);
  EXPECT_TRUE(absl::StartsWith(screen_[failed], "!")) << screen_[failed];
  EXPECT_TRUE(absl::StartsWith(screen_[fallback], "!")) << screen_[fallback];
  EXPECT_FALSE(absl::StartsWith(screen_[ready], "!")) << screen_[ready];
  // Fallback: bios charged to the root's blkg, and which.
  EXPECT_TRUE(absl::StrContains(screen_[fallback], " 10 / ")) << screen_[fallback];
  EXPECT_GE(Line({"1 Cgroups (4)", "2 Submit-path allocations (4)", "3 Workqueues (3)"}), 0)
      << Joined(screen_);

  // Tab: submit-path allocations; UNSAFE first and marked.
  KeysThenWait({"Tab"}, {Str(names::kColVerdict), Str(names::kColSite)});
  const int unsafe = Line({"UNSAFE", kUnsafeSite, kFallbackCgroup, kUnsafeComm});
  const int atomic = Line({"atomic", "blkg_alloc", kReadyCgroup, kAtomicComm});
  ASSERT_GE(unsafe, 0) << Joined(screen_);
  ASSERT_GE(atomic, 0) << Joined(screen_);
  EXPECT_TRUE(absl::StartsWith(screen_[unsafe], Str(names::kUnsafeMark))) << screen_[unsafe];
  EXPECT_FALSE(absl::StartsWith(screen_[atomic], Str(names::kUnsafeMark))) << screen_[atomic];
  EXPECT_LT(unsafe, atomic);
  EXPECT_TRUE(absl::StrContains(screen_[unsafe], "GFP_KERNEL")) << screen_[unsafe];
  EXPECT_TRUE(absl::StrContains(screen_[unsafe], "submit+reclaim")) << screen_[unsafe];
  EXPECT_TRUE(absl::StrContains(screen_[atomic], " 40 ")) << screen_[atomic];
  EXPECT_TRUE(absl::StrContains(screen_[atomic], "GFP_NOWAIT")) << screen_[atomic];
  EXPECT_GE(Line({"blkg_alloc", kFailedCgroup, "1 (1 failed)"}), 0) << Joined(screen_);
  EXPECT_GE(Line({"outside", "blkg_alloc", "worker:", "kworker/0:1"}), 0) << Joined(screen_);

  // 3: workqueues; the per-cpu allocating function marked.
  KeysThenWait({"3"}, {Str(names::kColFunction), Str(names::kColLatP99)});
  const int loop = Line({kLoopWork, "251"});
  const int percpu = Line({kPercpuWork, "12", Str(names::kYes)});
  const int quiet = Line({kQuietWork, "3", Str(names::kNo)});
  ASSERT_GE(loop, 0) << Joined(screen_);
  ASSERT_GE(percpu, 0) << Joined(screen_);
  ASSERT_GE(quiet, 0) << Joined(screen_);
  EXPECT_TRUE(absl::StartsWith(screen_[percpu], Str(names::kPercpuMark))) << screen_[percpu];
  EXPECT_FALSE(absl::StartsWith(screen_[loop], Str(names::kPercpuMark))) << screen_[loop];
  EXPECT_LT(loop, percpu);  // most executed first

  // Shift-Tab goes back; 1 jumps to the first pane.
  KeysThenWait({"BTab"}, {Str(names::kColVerdict), Str(names::kColSite)});
  KeysThenWait({"1"}, {Str(names::kColState), Str(names::kColTimeToReady)});
}

TEST_F(TopReplayTest, SortKeyCyclesColumnsAndReordersRows) {
  StartTop();
  KeysThenWait({"2"}, {"sort: VERDICT"});
  int unsafe = Line({kUnsafeSite});
  int atomic = Line({"blkg_alloc", kReadyCgroup});
  ASSERT_GE(unsafe, 0);
  ASSERT_GE(atomic, 0);
  EXPECT_LT(unsafe, atomic) << Joined(screen_);  // UNSAFE first

  KeysThenWait({"s"}, {"sort: COUNT"});
  unsafe = Line({kUnsafeSite});
  atomic = Line({"blkg_alloc", kReadyCgroup});
  EXPECT_LT(atomic, unsafe) << Joined(screen_);  // 40 before 3

  KeysThenWait({"s"}, {"sort: BYTES"});
  KeysThenWait({"s"}, {"sort: LAST"});
  KeysThenWait({"s"}, {"sort: SITE"});
  // Alphabetical: blkg_alloc before throtl_pd_alloc.
  EXPECT_LT(Line({"blkg_alloc", kReadyCgroup}), Line({kUnsafeSite})) << Joined(screen_);
  KeysThenWait({"s", "s", "s"}, {"sort: VERDICT"});  // CGROUP, COMM, and round again
  EXPECT_LT(Line({kUnsafeSite}), Line({"blkg_alloc", kReadyCgroup})) << Joined(screen_);

  // Each pane keeps its own sort.
  KeysThenWait({"1"}, {"sort: STATE"});
  KeysThenWait({"s"}, {"sort: BIOS/S"});
  KeysThenWait({"3", "s"}, {"sort: QUEUED"});
  KeysThenWait({"s", "s", "s", "s"}, {"sort: FUNCTION"});
  EXPECT_LT(Line({kPercpuWork}), Line({kLoopWork})) << Joined(screen_);
  EXPECT_LT(Line({kLoopWork}), Line({kQuietWork})) << Joined(screen_);
}

TEST_F(TopReplayTest, FilterBySubstringHidesOtherRows) {
  StartTop();
  KeysThenWait({"/"}, {"filter: _"});
  tmux_->Type("READY");  // case does not matter
  KeysThenWait({"Enter"}, {"filter: \"READY\""});
  EXPECT_GE(Line({kReadyCgroup}), 0) << Joined(screen_);
  EXPECT_LT(Line({kFallbackCgroup}), 0) << Joined(screen_);
  EXPECT_LT(Line({kFailedCgroup}), 0) << Joined(screen_);
  EXPECT_LT(Line({kPendingCgroup}), 0) << Joined(screen_);
  EXPECT_GE(Line({"1 Cgroups (1/4)"}), 0) << Joined(screen_);

  // Esc while typing keeps the filter that was applied.
  KeysThenWait({"/"}, {"filter: READY_"});
  tmux_->Type("zzz");
  KeysThenWait({"Escape"}, {"filter: \"READY\""});
  EXPECT_GE(Line({kReadyCgroup}), 0) << Joined(screen_);

  // On allocations the filter matches the comm too.
  KeysThenWait({"/"}, {"filter: READY_"});
  tmux_->Keys({"BSpace", "BSpace", "BSpace", "BSpace", "BSpace"});
  tmux_->Type(kUnsafeComm);
  KeysThenWait({"Enter", "2"}, {"sort: VERDICT", absl::StrCat("filter: \"", kUnsafeComm, "\"")});
  EXPECT_GE(Line({kUnsafeSite}), 0) << Joined(screen_);
  EXPECT_LT(Line({"blkg_alloc", kReadyCgroup}), 0) << Joined(screen_);
  EXPECT_GE(Line({"2 Submit-path allocations (1/4)"}), 0) << Joined(screen_);

  // A filter nothing matches says so; an empty one shows everything again.
  KeysThenWait({"/"}, {"filter: fio_"});
  tmux_->Type("nothing-matches-this");
  KeysThenWait({"Enter"}, {"no row matches the filter"});
  KeysThenWait({"/"}, {"filter: fio"});
  for (int i = 0; i < 25; ++i) tmux_->Keys({"BSpace"});
  KeysThenWait({"Enter"}, {"2 Submit-path allocations (4)"});
  EXPECT_GE(Line({kUnsafeSite}), 0) << Joined(screen_);
  EXPECT_GE(Line({"blkg_alloc", kReadyCgroup}), 0) << Joined(screen_);
  EXPECT_LT(Line({"filter: \""}), 0) << Joined(screen_);
}

TEST_F(TopReplayTest, HelpScreenListsKeysAndWhatTheModesCannotSee) {
  StartTop();
  KeysThenWait({"?"}, {"Help: submitwatch top"});
  EXPECT_GE(Line({"Tab", "next pane"}), 0) << Joined(screen_);
  EXPECT_GE(Line({"s", "cycle the sort column"}), 0) << Joined(screen_);
  EXPECT_GE(Line({"q Esc Ctrl-C", "quit"}), 0) << Joined(screen_);
  // The full text, which the header only abbreviates, is further down.
  KeysThenWait({"End"}, {kBlindSpotTail});
  EXPECT_GE(Line({"percpu_alloc=tracepoint", "an inlined caller is missed"}), 0)
      << Joined(screen_);
  KeysThenWait({"Escape"}, {Str(names::kColState), Str(names::kColTimeToReady)});
  KeysThenWait({"?"}, {"Help: submitwatch top"});
  KeysThenWait({"q"}, {Str(names::kColState), Str(names::kColTimeToReady)});
  EXPECT_FALSE(tmux_->State().dead) << "q in the help view goes back, it does not quit";
}

TEST_F(TopReplayTest, EnterOpensTheKernelStacksOfAnAllocationRow) {
  StartTop();
  // The first row (UNSAFE) is selected.
  KeysThenWait({"2"}, {kUnsafeSite});
  KeysThenWait({"Enter"}, {"Kernel stacks of", kUnsafeSite, "UNSAFE"});
  EXPECT_GE(Line({"Stack 1 of 2", "2 of 3 records"}), 0) << Joined(screen_);
  EXPECT_GE(Line({"Stack 2 of 2", "1 of 3 records"}), 0) << Joined(screen_);
  EXPECT_GE(Line({kUnsafeFrame}), 0) << Joined(screen_);
  EXPECT_GE(Line({kUnsafeOtherFrame}), 0) << Joined(screen_);
  EXPECT_GE(Line({"!UNSAFE", "submit+reclaim"}), 0) << Joined(screen_);
  KeysThenWait({"q"}, {Str(names::kColVerdict), Str(names::kColSite)});
  EXPECT_FALSE(tmux_->State().dead) << "q in the stack view goes back, it does not quit";

  // Down to the atomic row: its own stack, not the other row's.
  KeysThenWait({"Down", "Enter"}, {"Kernel stacks of blkg_alloc", "atomic", kReadyCgroup});
  EXPECT_GE(Line({"Stack 1 of 1", "40 of 40 records"}), 0) << Joined(screen_);
  EXPECT_GE(Line({"blkg_create+0x90"}), 0) << Joined(screen_);
  EXPECT_LT(Line({kUnsafeFrame}), 0) << Joined(screen_);
  KeysThenWait({"Escape"}, {Str(names::kColVerdict), Str(names::kColSite)});

  // Enter on the other panes opens their rows' details.
  KeysThenWait({"3", "Enter"}, {"Work function", kLoopWork});
  EXPECT_GE(Line({"Queue to start latency"}), 0) << Joined(screen_);
  KeysThenWait({"Escape", "1", "End", "Enter"}, {"Cgroup", kReadyCgroup, "on", kDisk});
}

TEST_F(TopReplayTest, ResizesTo80x24And200x50WithoutGarbage) {
  StartTop(120, 40);
  // A whole redrawn screen of that size. tmux crops the old screen at once,
  // so a screen of the right size alone may still be the old one.
  const auto redrawn = [](int width, int height, const std::string& column) {
    return [=](const std::vector<std::string>& lines) {
      if (static_cast<int>(lines.size()) != height) return false;
      if (!absl::StartsWith(lines.front(), "submitwatch top")) return false;
      if (!absl::StrContains(lines.back(), "sort: STATE")) return false;
      int tabs = 0, statuses = 0;
      for (const std::string& line : lines) {
        if (static_cast<int>(line.size()) > width) return false;
        tabs += absl::StrContains(line, "1 Cgroups (4)");
        statuses += absl::StrContains(line, "sort: STATE");
      }
      return tabs == 1 && statuses == 1 && FindLine(lines, {column}) >= 0 &&
             FindLine(lines, {kReadyCgroup, "ready"}) >= 0;
    };
  };
  tmux_->Resize(80, 24);
  ASSERT_TRUE(tmux_->WaitFor(redrawn(80, 24, Str(names::kColTimeToReady)), &screen_))
      << Joined(screen_);
  EXPECT_GE(Line({kFallbackCgroup, "fallback"}), 0) << Joined(screen_);
  EXPECT_GE(Line({Str(names::kColState), Str(names::kColElsewhere), Str(names::kColTimeToReady)}),
            0)
      << Joined(screen_);
  // The least important columns make way at 80 columns.
  EXPECT_LT(Line({Str(names::kColBytesPerSec)}), 0) << Joined(screen_);

  tmux_->Resize(200, 50);
  ASSERT_TRUE(tmux_->WaitFor(redrawn(200, 50, Str(names::kColBytesPerSec)), &screen_))
      << Joined(screen_);
  EXPECT_GE(Line({Str(names::kColBytesPerSec), Str(names::kColChargedTo),
                  Str(names::kColTimeToReady)}),
            0)
      << Joined(screen_);
  // Between the last row and the status line: blank, as drawn.
  const int last_row = Line({kReadyCgroup});
  ASSERT_GE(last_row, 0);
  for (int i = last_row + 1; i < 49; ++i) EXPECT_EQ(screen_[i], "") << i << Joined(screen_);
  KeysThenWait({"2"}, {Str(names::kColFirstSeen), Str(names::kColLastSeen), Str(names::kColGfp)});

  // The stack view reflows too.
  KeysThenWait({"Enter"}, {"Kernel stacks of", kUnsafeSite});
  tmux_->Resize(80, 24);
  ASSERT_TRUE(tmux_->WaitFor(
      [](const std::vector<std::string>& lines) {
        return lines.size() == 24 && absl::StartsWith(lines.front(), "submitwatch top") &&
               FindLine(lines, {"Kernel stacks of", kUnsafeSite}) >= 0 &&
               FindLine(lines, {"Stack 1 of 2"}) >= 0 &&
               absl::StrContains(lines.back(), "Esc/q back");
      },
      &screen_))
      << Joined(screen_);
  for (const std::string& line : screen_) EXPECT_LE(line.size(), 80u) << line;
}

TEST_F(TopReplayTest, PauseFreezesTheDisplayWhileTheReplayGoesOn) {
  // 10x slower than recorded: the 600 ms capture takes 6 s.
  tmux_ = std::make_unique<TmuxDriver>();
  ASSERT_TRUE(tmux_->Start(Command("", "--speed 0.1 --interval 100ms"), 120, 40));
  ASSERT_TRUE(tmux_->WaitForText("REPLAY x0.1", &screen_, absl::Seconds(10), /*settled=*/false))
      << Joined(screen_);
  KeysThenWait({"p"}, {Str(names::kLabelPaused)});
  const std::string frozen = screen_.front();
  absl::SleepFor(absl::Milliseconds(700));
  screen_ = tmux_->Lines();
  EXPECT_EQ(screen_.front(), frozen) << "the header moved while paused";
  // Unpaused, the replay has moved on meanwhile.
  tmux_->Keys({"p"});
  ASSERT_TRUE(tmux_->WaitFor(
      [&](const std::vector<std::string>& lines) {
        return !absl::StrContains(lines.front(), Str(names::kLabelPaused)) &&
               lines.front() != frozen;
      },
      &screen_, absl::Seconds(10), /*settled=*/false))
      << Joined(screen_);
  ASSERT_TRUE(tmux_->WaitForText(Str(names::kEndOfCapture), &screen_, absl::Seconds(15)))
      << Joined(screen_);
}

TEST_F(TopReplayTest, RecordsArriveAtTheirRecordedPace) {
  tmux_ = std::make_unique<TmuxDriver>();
  // 2.4 s of replay for the 600 ms capture.
  ASSERT_TRUE(tmux_->Start(Command("", "--speed 0.25 --interval 100ms"), 120, 40));
  ASSERT_TRUE(tmux_->WaitFor(
      [](const std::vector<std::string>& lines) {
        return FindLine(lines, {"REPLAY x0.25"}) >= 0 &&
               FindLine(lines, {Str(names::kEndOfCapture)}) < 0;
      },
      &screen_, absl::Seconds(10), /*settled=*/false))
      << Joined(screen_);
  ASSERT_TRUE(tmux_->WaitForText(Str(names::kEndOfCapture), &screen_, absl::Seconds(15)))
      << Joined(screen_);
  EXPECT_GE(Line({kReadyCgroup, "ready"}), 0) << Joined(screen_);
  // The capture's own span: 600 ms from the start of recording.
  EXPECT_GE(Line({"up 600.0ms"}), 0) << Joined(screen_);
}

TEST_F(TopReplayTest, ClearCountsAfreshFromNow) {
  StartTop();
  KeysThenWait({"2"}, {kUnsafeSite});
  KeysThenWait({"c"}, {"2 Submit-path allocations (0)"});
  EXPECT_GE(Line({Str(names::kEmptyTable)}), 0) << Joined(screen_);
  EXPECT_LT(Line({kUnsafeSite}), 0) << Joined(screen_);
  EXPECT_GE(Line({"1 Cgroups (0)"}), 0) << Joined(screen_);
  EXPECT_GE(Line({"3 Workqueues (0)"}), 0) << Joined(screen_);
}

TEST_F(TopReplayTest, QuitKeysAndSignalsExitZeroAndRestoreTheTerminal) {
  for (const char* how : {"q", "Escape", "C-c", "SIGTERM"}) {
    SCOPED_TRACE(how);
    StartTop();
    EXPECT_TRUE(tmux_->State().alternate) << "curses runs on the alternate screen";
    if (std::string(how) == "SIGTERM") {
      const int pid = tmux_->CommandPid();
      ASSERT_GT(pid, 0);
      ASSERT_EQ(kill(pid, SIGTERM), 0);
    } else {
      tmux_->Keys({how});
    }
    int status = -1;
    ASSERT_TRUE(tmux_->WaitForExit(&status)) << tmux_->Screen();
    EXPECT_EQ(status, 0) << tmux_->WithHistory();
    EXPECT_FALSE(tmux_->State().alternate) << "the terminal was not restored";
    screen_ = tmux_->Lines();
    EXPECT_LT(Line({"1 Cgroups ("}), 0) << "the view is still on screen:\n" << Joined(screen_);
    tmux_.reset();
  }
}

TEST_F(TopReplayTest, ColourOnlyWhereTheTerminalHasItAndNoColorIsUnset) {
  StartTop();
  KeysThenWait({"2"}, {kUnsafeSite});
  std::vector<std::string> escaped = tmux_->Lines(/*escapes=*/true);
  int unsafe = FindLine(escaped, {kUnsafeSite});
  ASSERT_GE(unsafe, 0) << Joined(escaped);
  EXPECT_TRUE(std::regex_search(escaped[unsafe], RedSgr())) << escaped[unsafe];

  for (const char* env : {"NO_COLOR=1", "TERM=vt100"}) {
    SCOPED_TRACE(env);
    tmux_.reset();
    StartTop(120, 40, env);
    KeysThenWait({"2"}, {kUnsafeSite});
    escaped = tmux_->Lines(/*escapes=*/true);
    for (const std::string& line : escaped) {
      EXPECT_FALSE(std::regex_search(line, ColourSgr())) << line;
    }
    // Without colour the mark still tells UNSAFE rows apart.
    unsafe = Line({kUnsafeSite, "UNSAFE"});
    ASSERT_GE(unsafe, 0) << Joined(screen_);
    EXPECT_TRUE(absl::StartsWith(screen_[unsafe], Str(names::kUnsafeMark))) << screen_[unsafe];
  }
}

TEST_F(TopReplayTest, TerminalThatCannotMoveItsCursorIsRefused) {
  tmux_ = std::make_unique<TmuxDriver>();
  ASSERT_TRUE(tmux_->Start(Command("TERM=dumb", "--speed 0"), 120, 40));
  int status = -1;
  ASSERT_TRUE(tmux_->WaitForExit(&status)) << tmux_->Screen();
  EXPECT_EQ(status, 2);
  const std::string screen = tmux_->WithHistory();
  EXPECT_TRUE(absl::StrContains(screen, "'dumb' cannot move its cursor")) << screen;
  EXPECT_TRUE(absl::StrContains(screen, "submitwatch record")) << screen;
}

TEST_F(TopReplayTest, StandardOutputNotATerminalIsRefusedWithAHint) {
  // popen: standard output is a pipe.
  CommandResult r = RunCommand({SUBMITWATCH_BINARY, "top", "--replay", capture_});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(absl::StartsWith(r.output, "submitwatch: ")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "not a terminal")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "submitwatch record")) << r.output;
}

TEST_F(TopReplayTest, UsageErrorsExitTwo) {
  for (std::vector<std::string> args :
       {std::vector<std::string>{"top", "--speed", "2"},
        {"top", "--replay", "x.jsonl", "--speed", "-1"},
        {"top", "--replay", "x.jsonl", "--speed", "fast"},
        {"top", "--replay", "x.jsonl", "--all-allocs"},
        {"top", "--interval", "0"},
        {"top", "--no-such-option"}}) {
    args.insert(args.begin(), SUBMITWATCH_BINARY);
    CommandResult r = RunCommand(args);
    EXPECT_EQ(r.exit_code, 2) << args[2] << ": " << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "--help")) << r.output;
  }
  CommandResult help = RunCommand({SUBMITWATCH_BINARY, "top", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* option : {"--interval", "--replay", "--speed", "--all-allocs",
                             "--ringbuf-size", "--verbose", "--help"}) {
    EXPECT_TRUE(absl::StrContains(help.output, option)) << option;
  }
}

TEST_F(TopReplayTest, CutOffCaptureEndsWithAWarningAndKeepsItsRows) {
  // The recorder was killed mid-line: everything before stays.
  int lines = 0;
  {
    std::ifstream in(capture_);
    for (std::string line; std::getline(in, line);) ++lines;
  }
  {
    std::ofstream out(capture_, std::ios::app);
    out << "{\"type\":\"alloc\",\"ts_ns\":17";
  }
  StartTop();
  EXPECT_GE(Line({absl::StrCat("line ", lines + 1, " is cut off")}), 0) << Joined(screen_);
  EXPECT_GE(Line({kReadyCgroup, "ready"}), 0) << Joined(screen_);
  tmux_->Keys({"q"});
  int status = -1;
  ASSERT_TRUE(tmux_->WaitForExit(&status)) << tmux_->Screen();
  EXPECT_EQ(status, 0) << tmux_->WithHistory();
  EXPECT_TRUE(absl::StrContains(tmux_->WithHistory(), "submitwatch: warning:"))
      << tmux_->WithHistory();
}

TEST_F(TopReplayTest, MalformedLineStopsTheReplayAndIsReportedOnExit) {
  std::string text;
  {
    std::ifstream in(capture_);
    std::stringstream all;
    all << in.rdbuf();
    text = all.str();
  }
  // After the header and the first allocation: nothing after it is read.
  size_t second_line = text.find('\n', text.find('\n') + 1) + 1;
  text.insert(second_line, "{\"type\":\"alloc\",\"ts_ns\":\"not a number\"}\n");
  {
    std::ofstream out(capture_, std::ios::trunc);
    out << text;
  }
  tmux_ = std::make_unique<TmuxDriver>();
  ASSERT_TRUE(tmux_->Start(Command("", "--speed 0"), 120, 40));
  ASSERT_TRUE(tmux_->WaitForText(Str(names::kEndOfCapture), &screen_)) << Joined(screen_);
  // The error is on the screen, and the one allocation read before it.
  EXPECT_GE(Line({"line 3"}), 0) << Joined(screen_);
  EXPECT_GE(Line({"2 Submit-path allocations (1)"}), 0) << Joined(screen_);
  tmux_->Keys({"q"});
  int status = -1;
  ASSERT_TRUE(tmux_->WaitForExit(&status)) << tmux_->Screen();
  // Like `report` on a malformed capture: a bad input, exit status 2.
  EXPECT_EQ(status, 2) << tmux_->WithHistory();
  EXPECT_TRUE(absl::StrContains(tmux_->WithHistory(), "line 3")) << tmux_->WithHistory();
}

TEST_F(TopReplayTest, MissingCaptureFailsBeforeTheScreenIsTaken) {
  tmux_ = std::make_unique<TmuxDriver>();
  ASSERT_TRUE(tmux_->Start(absl::StrCat(ShellQuote(SUBMITWATCH_BINARY),
                                        " top --replay /nonexistent/capture.jsonl"),
                           120, 40));
  int status = -1;
  ASSERT_TRUE(tmux_->WaitForExit(&status)) << tmux_->Screen();
  EXPECT_EQ(status, 1);
  const std::string screen = tmux_->WithHistory();
  EXPECT_TRUE(absl::StrContains(screen, "/nonexistent/capture.jsonl")) << screen;
}

}  // namespace
}  // namespace submitwatch::testing
