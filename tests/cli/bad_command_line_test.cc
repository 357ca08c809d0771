// Bad command lines, without privileges: -o where nothing can be written,
// -o /dev/full, options missing their value. A clear message naming the path
// or option, non-zero exit; usage errors exit 2 with a hint.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "capture/capture_writer.h"
#include "cli_runner.h"
#include "gtest/gtest.h"
#include "model/records.h"

namespace submitwatch {
namespace {

using testing::CliResult;
using testing::RunCli;

class BadCommandLine : public ::testing::Test {
 protected:
  void SetUp() override {
    capture_ = absl::StrCat(::testing::TempDir(), "/bad-cli-", getpid(), ".jsonl");
    std::ofstream out(capture_);
    out << CaptureWriter::FormatRecord(Record(CaptureHeader())) << "\n";
    AllocRecord a;
    a.site = "blkg_alloc";
    a.comm = "dd";
    out << CaptureWriter::FormatRecord(Record(a)) << "\n";
    out << CaptureWriter::FormatRecord(Record(CaptureSummary())) << "\n";
  }
  void TearDown() override { unlink(capture_.c_str()); }
  std::string capture_;
};

TEST_F(BadCommandLine, OutputWhereNothingCanBeWritten) {
  // /proc/version is a file: nothing can be made under it, even by root.
  for (const char* command : {"report", "record --duration 1s"}) {
    SCOPED_TRACE(command);
    CliResult r = RunCli(absl::StrCat(command, " ", std::string(command) == "report" ? capture_ : "",
                                      " -o /proc/version/x"));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(absl::StartsWith(r.output, "submitwatch: ")) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "/proc/version/x")) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "--help")) << r.output;
  }
  CliResult missing_dir = RunCli(absl::StrCat("report ", capture_, " -o /nonexistent-dir/x"));
  EXPECT_EQ(missing_dir.exit_code, 2) << missing_dir.output;
  EXPECT_TRUE(absl::StrContains(missing_dir.output, "/nonexistent-dir/x")) << missing_dir.output;
}

TEST_F(BadCommandLine, ReportToDevFull) {
  for (const char* format : {"", " --format json"}) {
    SCOPED_TRACE(format);
    CliResult r = RunCli(absl::StrCat("report", format, " ", capture_, " -o /dev/full"));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_GT(r.exit_code, 0) << "killed by a signal";
    EXPECT_TRUE(absl::StartsWith(r.output, "submitwatch: ")) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "/dev/full")) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "No space left on device")) << r.output;
  }
  // /dev/full is written in place: it is still the device afterwards.
  struct stat st;
  ASSERT_EQ(stat("/dev/full", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(BadCommandLine, MissingValues) {
  for (const std::string& args :
       {std::string("record -o"), std::string("record --output"), std::string("record --duration"),
        std::string("record --ringbuf-size"), absl::StrCat("report ", capture_, " -o"),
        absl::StrCat("report ", capture_, " --format"), std::string("check --fail-on"),
        std::string("check --replay"), std::string("top --interval"),
        std::string("record --sync-interval")}) {
    SCOPED_TRACE(args);
    CliResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(absl::StartsWith(r.output, "submitwatch: ")) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "needs a value")) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "--help")) << r.output;
  }
}

TEST_F(BadCommandLine, SyncInterval) {
  // Refused before anything is made (no privileges needed to get there).
  for (const char* bad : {"banana", "-1s", "1e3", "inf"}) {
    SCOPED_TRACE(bad);
    CliResult r = RunCli(absl::StrCat("record --sync-interval ", bad, " -o /proc/version/x"));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "--sync-interval")) << r.output;
    EXPECT_FALSE(absl::StrContains(r.output, "/proc/version/x")) << r.output;
  }
  // 0 (never) and durations are taken: the error is then the output path's.
  for (const char* good : {"0", "0s", "500ms", "2s"}) {
    SCOPED_TRACE(good);
    CliResult r = RunCli(absl::StrCat("record --sync-interval ", good, " -o /proc/version/x"));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "/proc/version/x")) << r.output;
  }
  CliResult replay = RunCli(absl::StrCat("check --replay ", capture_, " --sync-interval 1s"));
  EXPECT_EQ(replay.exit_code, 2) << replay.output;
  EXPECT_TRUE(absl::StrContains(replay.output, "--sync-interval does not apply")) << replay.output;
  CliResult no_capture = RunCli("check --sync-interval 1s");
  EXPECT_EQ(no_capture.exit_code, 2) << no_capture.output;
  EXPECT_TRUE(absl::StrContains(no_capture.output, "give -o FILE")) << no_capture.output;
}

TEST_F(BadCommandLine, EarlierCutOffCaptureIsNotOverwritten) {
  const std::string partial = capture_ + "-new.jsonl.partial";
  std::ofstream(partial) << "evidence\n";
  CliResult r = RunCli(absl::StrCat("record --duration 1s -o ", capture_, "-new.jsonl"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, partial + " exists")) << r.output;
  std::ifstream in(partial);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "evidence");
  unlink(partial.c_str());
}

}  // namespace
}  // namespace submitwatch
