// `submitwatch demo` on the real kernel: it makes a loop device, cgroups and
// IO, and must leave nothing behind, whether it runs to its end, is
// interrupted half way, loses an IO worker or is killed outright. What could
// be left is listed before and after: loop devices backed by files under the
// demo's TMPDIR, submitwatch-demo-* cgroups, and the TMPDIR's entries.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "model/names.h"
#include "model/records.h"
#include "model/verdict.h"
#include "symbols/cgroup_paths.h"
#include "wait_for.h"

namespace submitwatch::testing {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Leftovers {
  std::set<std::string> loops;    // `losetup -a` lines naming the TMPDIR
  std::set<std::string> cgroups;  // submitwatch-demo-* in the io hierarchy
  std::set<std::string> temp;     // entries of the TMPDIR
  bool operator==(const Leftovers&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Leftovers& l) {
  const auto list = [&os](const char* what, const std::set<std::string>& items) {
    os << what << ":";
    for (const std::string& i : items) os << " [" << i << "]";
    os << "\n";
  };
  list("loops", l.loops);
  list("cgroups", l.cgroups);
  list("temp", l.temp);
  return os;
}

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
    absl::StatusOr<CgroupHierarchy> h = FindIoHierarchy();
    ASSERT_TRUE(h.ok()) << h.status();
    mount_ = h->mount_point;
    std::string dir = TempPath("demo-tmp-XXXXXX");
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    tmpdir_ = dir;
    capture_ = TempPath("demo.jsonl");
    log_ = TempPath("demo.log");
    before_ = Snapshot();
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    unlink(capture_.c_str());
    unlink((capture_ + ".partial").c_str());  // a killed demo's capture
    unlink(log_.c_str());
    if (!tmpdir_.empty()) fs::remove_all(tmpdir_);
  }

  Leftovers Snapshot() const {
    Leftovers l;
    CommandResult losetup = RunCommand({"losetup", "-a"});
    for (absl::string_view line : absl::StrSplit(losetup.output, '\n')) {
      if (absl::StrContains(line, tmpdir_)) l.loops.insert(std::string(line));
    }
    for (const fs::directory_entry& e : fs::directory_iterator(mount_)) {
      const std::string name = e.path().filename();
      if (e.is_directory() && absl::StartsWith(name, "submitwatch-demo-")) l.cgroups.insert(name);
    }
    for (const fs::directory_entry& e : fs::directory_iterator(tmpdir_)) {
      l.temp.insert(e.path().filename());
    }
    return l;
  }

  // demo in the background, TMPDIR pointing at the test's own directory,
  // output into a log (not a terminal: record mode).
  void Spawn(const std::vector<std::string>& args) {
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      setenv("TMPDIR", tmpdir_.c_str(), 1);
      const int log = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int null = open("/dev/null", O_RDONLY);
      dup2(null, STDIN_FILENO);
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
      std::vector<char*> argv = {const_cast<char*>(SUBMITWATCH_BINARY)};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(SUBMITWATCH_BINARY, argv.data());
      _exit(127);
    }
  }

  // The demo's exit status, or -1 when it did not exit in time.
  int WaitExit(int seconds) {
    int status = 0;
    const bool exited = WaitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, seconds);
    if (!exited) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string CgroupDir(const std::string& child) const {
    return absl::StrCat(mount_, "/submitwatch-demo-", pid_, "/", child);
  }

  std::vector<int> TasksOf(const std::string& child) const {
    std::vector<int> pids;
    for (absl::string_view line :
         absl::StrSplit(ReadFile(CgroupDir(child) + "/cgroup.procs"), '\n')) {
      int pid;
      if (absl::SimpleAtoi(line, &pid)) pids.push_back(pid);
    }
    return pids;
  }

  // Half way: everything made, the IO running, the recording on.
  void WaitUntilRecording() {
    ASSERT_TRUE(WaitFor(
        [&] {
          return absl::StrContains(ReadFile(log_), "recording for") &&
                 !TasksOf("throttled").empty() && !TasksOf("unthrottled").empty();
        },
        60))
        << ReadFile(log_);
    const Leftovers during = Snapshot();
    EXPECT_EQ(during.loops.size(), 1u) << during;
    EXPECT_EQ(during.cgroups.size(), before_.cgroups.size() + 1) << during;
    // The backing file is unlinked as soon as the loop device holds it.
    EXPECT_TRUE(during.temp.empty()) << during;
  }

  std::string mount_;
  std::string tmpdir_;
  std::string capture_;
  std::string log_;
  Leftovers before_;
  pid_t pid_ = -1;
};

TEST_F(DemoTest, RecordModeShowsTheCgroupsIoAndLeavesNothingBehind) {
  CommandResult r = RunCommand({"env", absl::StrCat("TMPDIR=", tmpdir_), SUBMITWATCH_BINARY, "demo",
                                "--duration", "3s", "-o", capture_});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "What to look for")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "submitwatch demo: removed /dev/loop")) << r.output;
  EXPECT_EQ(Snapshot(), before_);

  auto records = CaptureReader::ReadAll(capture_);
  ASSERT_TRUE(records.ok()) << records.status();
  uint64_t throttled_bytes = 0, unthrottled_bios = 0, duration_ns = 0;
  bool unthrottled_blkg_alloc = false;
  for (const Record& record : *records) {
    if (const auto* b = std::get_if<BlkgRecord>(&record)) {
      if (!absl::StartsWith(b->cgroup, "/submitwatch-demo-") &&
          !absl::StartsWith(b->blkg_cgroup, "/submitwatch-demo-")) {
        continue;
      }
      // Cumulative snapshots: the last one of a row holds its totals.
      if (absl::EndsWith(b->blkg_cgroup, "/throttled"))
        throttled_bytes = std::max(throttled_bytes, b->bytes);
      if (absl::EndsWith(b->cgroup, "/unthrottled") && !b->kthread) unthrottled_bios = b->bios;
    } else if (const auto* a = std::get_if<AllocRecord>(&record)) {
      if (absl::EndsWith(a->cgroup, "/unthrottled") && a->site == "blkg_alloc" &&
          a->comm == "sw-demo-io") {
        unthrottled_blkg_alloc = true;
        EXPECT_EQ(ClassifyAlloc(*a), Verdict::kAtomic);
      }
    } else if (const auto* s = std::get_if<CaptureSummary>(&record)) {
      duration_ns = s->duration_ns;
    }
  }
  EXPECT_TRUE(unthrottled_blkg_alloc);
  EXPECT_GT(unthrottled_bios, 0u);
  EXPECT_GT(throttled_bytes, 0u);
  // 1 MiB/s, with a second of slack for the throttle's slice.
  EXPECT_LE(throttled_bytes, (1ull << 20) * (duration_ns / 1'000'000'000 + 2));
}

// How CI and `ssh host scripts/run` see it: no terminal. Standard output
// gets the report and where the capture was kept, never capture lines.
TEST_F(DemoTest, WithoutATerminalPrintsOnlyTheReportAndKeepsTheCaptureAside) {
  CommandResult r = RunCommand(
      {"sh", "-c",
       absl::StrCat("TMPDIR=", ShellQuote(tmpdir_), " exec ", SUBMITWATCH_BINARY,
                    " demo --duration 3s </dev/null 2>", ShellQuote(log_))});
  ASSERT_EQ(r.exit_code, 0) << r.output << ReadFile(log_);
  for (absl::string_view line : absl::StrSplit(r.output, '\n')) {
    EXPECT_FALSE(absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "{")) << line;
  }
  EXPECT_TRUE(absl::StrContains(r.output, std::string(names::kTitleCgroups))) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "/unthrottled")) << r.output;
  // The guide went to stderr.
  EXPECT_FALSE(absl::StrContains(r.output, "What to look for")) << r.output;
  EXPECT_TRUE(absl::StrContains(ReadFile(log_), "What to look for")) << ReadFile(log_);

  // Kept in a private file of its own in TMPDIR, named in the output; the
  // scratch disk and cgroups are gone.
  const Leftovers after = Snapshot();
  EXPECT_EQ(after.loops, before_.loops);
  EXPECT_EQ(after.cgroups, before_.cgroups);
  ASSERT_EQ(after.temp.size(), 1u) << after;
  const std::string kept = tmpdir_ + "/" + *after.temp.begin();
  EXPECT_TRUE(absl::StartsWith(*after.temp.begin(), "submitwatch-demo-")) << after;
  EXPECT_TRUE(absl::StrContains(r.output, "The capture is in " + kept)) << r.output;
  struct stat st {};
  ASSERT_EQ(stat(kept.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto records = CaptureReader::ReadAll(kept);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_TRUE(std::holds_alternative<CaptureSummary>(records->back()));
}

TEST_F(DemoTest, SigintHalfWayLeavesNothingBehind) {
  Spawn({"demo", "--duration", "120s", "-o", capture_});
  WaitUntilRecording();
  ASSERT_EQ(kill(pid_, SIGINT), 0);
  EXPECT_EQ(WaitExit(60), 0) << ReadFile(log_);
  EXPECT_EQ(Snapshot(), before_);
  EXPECT_TRUE(absl::StrContains(ReadFile(log_), "submitwatch demo: removed")) << ReadFile(log_);
  // Interrupted, the capture is still complete.
  auto records = CaptureReader::ReadAll(capture_);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_TRUE(std::holds_alternative<CaptureSummary>(records->back()));
}

TEST_F(DemoTest, SigtermHalfWayLeavesNothingBehind) {
  Spawn({"demo", "--duration", "120s", "-o", capture_});
  WaitUntilRecording();
  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  EXPECT_EQ(WaitExit(60), 0) << ReadFile(log_);
  EXPECT_EQ(Snapshot(), before_);
}

TEST_F(DemoTest, CrashedIoWorkerStopsTheDemoAndLeavesNothingBehind) {
  Spawn({"demo", "--duration", "120s", "-o", capture_});
  WaitUntilRecording();
  const std::vector<int> workers = TasksOf("throttled");
  ASSERT_FALSE(workers.empty());
  ASSERT_EQ(kill(workers[0], SIGKILL), 0);
  EXPECT_EQ(WaitExit(60), 1) << ReadFile(log_);
  EXPECT_TRUE(absl::StrContains(ReadFile(log_), "was killed by signal 9")) << ReadFile(log_);
  EXPECT_EQ(Snapshot(), before_);
}

// A capture nobody asked to keep has no name until the demo ends well:
// killed, it leaves nothing in TMPDIR either.
TEST_F(DemoTest, KilledDemoWithoutOutputLeavesNoCapture) {
  Spawn({"demo", "--duration", "120s"});
  WaitUntilRecording();
  ASSERT_EQ(kill(pid_, SIGKILL), 0);
  EXPECT_EQ(WaitExit(30), 128 + SIGKILL);
  EXPECT_TRUE(WaitFor([&] { return Snapshot() == before_; }, 60)) << Snapshot();
}

TEST_F(DemoTest, KilledDemoIsCleanedUpByItsGuardian) {
  Spawn({"demo", "--duration", "120s", "-o", capture_});
  WaitUntilRecording();
  ASSERT_EQ(kill(pid_, SIGKILL), 0);
  EXPECT_EQ(WaitExit(30), 128 + SIGKILL);
  EXPECT_TRUE(WaitFor([&] { return Snapshot() == before_; }, 60)) << Snapshot();
}

}  // namespace
}  // namespace submitwatch::testing
