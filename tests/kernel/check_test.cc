// `submitwatch check` on the real kernel: a fresh cgroup does direct IO to a
// fresh loop device while check watches; the verdict is clean and lists the
// atomic allocations that created the cgroup's blkg. A failing workload gets
// its own exit status.
#include <unistd.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "model/records.h"

namespace submitwatch::testing {
namespace {

class CheckTest : public FreshPairTest {
 protected:
  CheckTest() : FreshPairTest("check-") {}

  void SetUp() override {
    FreshPairTest::SetUp();
    capture_ = TempPath("check-capture.jsonl");
  }

  void TearDown() override {
    unlink(capture_.c_str());
    FreshPairTest::TearDown();
  }

  std::string capture_;
};

TEST_F(CheckTest, DirectIoInFreshCgroupIsCleanAndListsTheAtomicBlkgAllocations) {
  const std::string script =
      absl::StrCat("echo $$ > ", ShellQuote(cgroup_->dir() + "/cgroup.procs"),
                   " && exec dd if=/dev/zero of=", ShellQuote(loop_->device()),
                   " bs=4096 count=64 oflag=direct status=none");
  CommandResult r = RunCommand({SUBMITWATCH_BINARY, "check", "--interval", "200ms", "-o", capture_,
                                "--", "sh", "-c", script});
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // The allocation table has a row: atomic blkg_alloc ... <cgroup> dd.
  bool listed = false;
  for (absl::string_view line : absl::StrSplit(r.output, '\n')) {
    std::vector<std::string> cells = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (cells.size() >= 4 && cells[0] == "atomic" && cells[1] == "blkg_alloc" &&
        cells[cells.size() - 2] == cgroup_->path() && cells.back() == "dd") {
      listed = true;
    }
    EXPECT_FALSE(absl::StartsWith(line, "!UNSAFE")) << line;
  }
  EXPECT_TRUE(listed) << r.output;
  // Clean, or findings elsewhere on the host that the default does not fail on.
  EXPECT_TRUE(absl::StrContains(r.output, "check: clean (fail-on: unsafe,failed)") ||
              absl::StrContains(r.output, "check: passed: "))
      << r.output;

  // -o kept the capture, with the workload's exit status.
  auto records = CaptureReader::ReadAll(capture_);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_FALSE(records->empty());
  ASSERT_TRUE(std::holds_alternative<CaptureSummary>(records->back()));
  EXPECT_EQ(std::get<CaptureSummary>(records->back()).workload_exit, 0);
  bool ours = false;
  for (const Record& record : *records) {
    if (const auto* a = std::get_if<AllocRecord>(&record)) {
      ours = ours || (a->cgroup == cgroup_->path() && a->site == "blkg_alloc");
    }
  }
  EXPECT_TRUE(ours);
  ExpectKernelAgrees(*records, *cgroup_, loop_->device());
}

TEST_F(CheckTest, FailingWorkloadExitsThreeAndSaysSo) {
  CommandResult r = RunCommand({SUBMITWATCH_BINARY, "check", "--", "sh", "-c", "exit 7"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "the workload failed: exit status 7")) << r.output;
  CommandResult missing = RunCommand({SUBMITWATCH_BINARY, "check", "--", "/nonexistent/workload"});
  EXPECT_EQ(missing.exit_code, 3) << missing.output;
  EXPECT_TRUE(absl::StrContains(missing.output, "cannot run /nonexistent/workload"))
      << missing.output;
}

TEST_F(CheckTest, DurationWithoutCommand) {
  CommandResult r = RunCommand({SUBMITWATCH_BINARY, "check", "--duration", "1s"});
  // Whatever the host did in that second, the verdict line is there and
  // the status is one of the verdict's.
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "\ncheck: ")) << r.output;
}

}  // namespace
}  // namespace submitwatch::testing
