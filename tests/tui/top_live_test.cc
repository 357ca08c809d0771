// `submitwatch top` on the real kernel, as root: while it runs in a tmux
// pane, the test drives direct IO from a fresh cgroup to a fresh loop
// device; within a few refreshes the view must show what the test caused.
#include <dirent.h>
#include <signal.h>

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "model/names.h"
#include "tmux_driver.h"

namespace submitwatch::testing {
namespace {

std::string Str(std::string_view s) { return std::string(s); }

// The BPF programs a process holds, from its file descriptors: other
// submitwatch processes on the host (a benchmark, a second test run) have
// programs of the same names, so names alone prove nothing.
std::set<int> ProgramIdsOf(int pid) {
  std::set<int> ids;
  const std::string dir = absl::StrCat("/proc/", pid, "/fdinfo");
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return ids;
  while (dirent* e = readdir(d)) {
    std::ifstream info(absl::StrCat(dir, "/", e->d_name));
    for (std::string text; std::getline(info, text);) {
      absl::string_view line = text;
      int id = 0;
      if (absl::ConsumePrefix(&line, "prog_id:") &&
          absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &id)) {
        ids.insert(id);
      }
    }
  }
  closedir(d);
  return ids;
}

// The kernel frees a program after an RCU grace period and a work item, so
// it may be listed for a moment after the last reference went away.
bool AnyStillLoaded(const std::set<int>& ids) {
  for (int i = 0; i < 50; ++i) {
    bool any = false;
    for (int id : ids) {
      any = any || RunCommand({"bpftool", "prog", "show", "id", absl::StrCat(id)}).exit_code == 0;
    }
    if (!any) return false;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return true;
}

class TopLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
    if (std::string why = TmuxDriver::Unavailable(); !why.empty()) SW_SKIP_OR_FAIL(why);
    auto loop = LoopDevice::Create(64ull << 20);
    ASSERT_TRUE(loop.ok()) << loop.status();
    loop_ = *std::move(loop);
    // A short name: the whole path fits its column.
    auto cg = TestCgroup::Create("top");
    ASSERT_TRUE(cg.ok()) << cg.status();
    cgroup_ = *std::move(cg);
  }

  void TearDown() override {
    // The view first (it detaches its programs), then what it watched.
    tmux_.reset();
    cgroup_.reset();
    loop_.reset();
  }

  std::unique_ptr<LoopDevice> loop_;
  std::unique_ptr<TestCgroup> cgroup_;
  std::unique_ptr<TmuxDriver> tmux_;
  std::vector<std::string> screen_;
};

TEST_F(TopLiveTest, FreshCgroupShowsReadyWithAtomicBlkgAllocation) {
  // The best mode this host allows: top takes no --mode (the forced-mode
  // runs of scripts/qemu-test cover the modes through record).
  const std::string command = absl::StrCat("env -u NO_COLOR ", ShellQuote(SUBMITWATCH_BINARY),
                                           " top --interval 200ms");
  tmux_ = std::make_unique<TmuxDriver>();
  ASSERT_TRUE(tmux_->Start(command, 200, 50));
  // Attached and refreshing: the BPF cost has been measured once.
  ASSERT_TRUE(tmux_->WaitFor(
      [](const std::vector<std::string>& lines) {
        return FindLine(lines, {Str(names::kLabelLive), "up"}) >= 0 &&
               FindLine(lines, {Str(names::kLabelBpfCost), "of a CPU"}) >= 0;
      },
      &screen_, absl::Seconds(30), /*settled=*/false))
      << Joined(screen_);
  // Only this test's rows, whatever else the host does.
  tmux_->Keys({"/"});
  tmux_->Type(cgroup_->path());
  tmux_->Keys({"Enter"});
  ASSERT_TRUE(tmux_->WaitForText(absl::StrCat("filter: \"", cgroup_->path(), "\""), &screen_,
                                 absl::Seconds(10), /*settled=*/false))
      << Joined(screen_);

  const std::string script = absl::StrCat(
      "echo $$ > ", ShellQuote(cgroup_->dir() + "/cgroup.procs"), " && exec dd if=/dev/zero of=",
      ShellQuote(loop_->device()), " bs=4096 count=64 oflag=direct status=none");
  CommandResult dd = RunCommand({"sh", "-c", script});
  ASSERT_EQ(dd.exit_code, 0) << dd.output;

  // A few refreshes (200 ms each) later: the pair is ready, all 64 bios its own.
  ASSERT_TRUE(tmux_->WaitFor(
      [&](const std::vector<std::string>& lines) {
        return FindLine(lines, {cgroup_->path(), loop_->name(), Str(names::kReadyReady), " 64 "}) >=
               0;
      },
      &screen_, absl::Seconds(10), /*settled=*/false))
      << Joined(screen_);
  const int row = FindLine(screen_, {cgroup_->path(), loop_->name()});
  EXPECT_FALSE(absl::StartsWith(screen_[row], Str(names::kUnsafeMark))) << screen_[row];

  // The blkg was made in dd's submit path, atomically.
  tmux_->Keys({"2"});
  ASSERT_TRUE(tmux_->WaitFor(
      [&](const std::vector<std::string>& lines) {
        return FindLine(lines, {Str(names::kVerdictAtomic), "blkg_alloc", "submit",
                                cgroup_->path(), "dd"}) >= 0;
      },
      &screen_, absl::Seconds(10), /*settled=*/false))
      << Joined(screen_);
  EXPECT_LT(FindLine(screen_, {Str(names::kVerdictUnsafe)}), 0) << Joined(screen_);
  // Its stack, on demand. (The selection follows its row as rows come in:
  // Home puts it on the first.)
  const int blkg = FindLine(screen_, {"blkg_alloc", "dd"});
  const int first = FindLine(screen_, {Str(names::kColVerdict), Str(names::kColSite)}) + 1;
  ASSERT_GE(blkg, first);
  tmux_->Keys({"Home"});
  for (int i = first; i < blkg; ++i) tmux_->Keys({"Down"});
  tmux_->Keys({"Enter"});
  ASSERT_TRUE(tmux_->WaitFor(
      [](const std::vector<std::string>& lines) {
        return FindLine(lines, {"Kernel stacks of blkg_alloc"}) >= 0 &&
               FindLine(lines, {"Stack 1 of"}) >= 0;
      },
      &screen_, absl::Seconds(10), /*settled=*/false))
      << Joined(screen_);
  tmux_->Keys({"Escape"});

  // The tool's own cost: measured, per event and as a share of a CPU.
  screen_ = tmux_->Lines();
  EXPECT_GE(FindLine(screen_, {Str(names::kLabelBpfCost), "ns/event", "% of a CPU"}), 0)
      << Joined(screen_);
  EXPECT_GE(FindLine(screen_, {"lost 0"}), 0) << Joined(screen_);

  const std::set<int> programs = ProgramIdsOf(tmux_->CommandPid());
  EXPECT_FALSE(programs.empty());
  tmux_->Keys({"q"});
  int status = -1;
  ASSERT_TRUE(tmux_->WaitForExit(&status)) << tmux_->Screen();
  EXPECT_EQ(status, 0) << tmux_->WithHistory();
  EXPECT_FALSE(tmux_->State().alternate);
  EXPECT_FALSE(AnyStillLoaded(programs)) << "quitting top left BPF programs loaded";
}

TEST_F(TopLiveTest, BareCommandOnATerminalIsTopAndSignalsDetach) {
  tmux_ = std::make_unique<TmuxDriver>();
  ASSERT_TRUE(tmux_->Start(ShellQuote(SUBMITWATCH_BINARY), 120, 40));
  ASSERT_TRUE(tmux_->WaitFor(
      [](const std::vector<std::string>& lines) {
        return FindLine(lines, {"submitwatch top", Str(names::kLabelLive)}) >= 0 &&
               FindLine(lines, {"1 Cgroups ("}) >= 0;
      },
      &screen_, absl::Seconds(30), /*settled=*/false))
      << Joined(screen_);
  const int pid = tmux_->CommandPid();
  ASSERT_GT(pid, 0);
  const std::set<int> programs = ProgramIdsOf(pid);
  ASSERT_FALSE(programs.empty());
  // Attached and drawing: it kept only what reading the maps needs.
  const std::optional<uint64_t> effective = CapabilityMask(pid, "CapEff");
  ASSERT_TRUE(effective.has_value());
  const uint64_t allowed = CapabilitiesAllowedAfterAttach(pid);
  EXPECT_EQ(*effective & ~allowed, 0u) << std::hex << *effective;
  EXPECT_EQ(CapabilityMask(pid, "CapBnd").value_or(~0ull) & ~allowed, 0u);
  ASSERT_EQ(kill(pid, SIGHUP), 0);  // the terminal went away
  int status = -1;
  ASSERT_TRUE(tmux_->WaitForExit(&status)) << tmux_->Screen();
  EXPECT_EQ(status, 0) << tmux_->WithHistory();
  EXPECT_FALSE(tmux_->State().alternate);
  EXPECT_FALSE(AnyStillLoaded(programs)) << "a stop signal left BPF programs loaded";
}

}  // namespace
}  // namespace submitwatch::testing
