// The binary's command-line contract, without privileges: exit codes, the
// one-line errors, and `report` over captures the test writes.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

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

std::string TempFile(const std::string& stem) {
  return absl::StrCat(::testing::TempDir(), "/cli-", getpid(), "-", stem);
}

TEST(Cli, VersionAndHelp) {
  CliResult v = RunCli("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_TRUE(absl::StartsWith(v.output, "submitwatch ")) << v.output;
  CliResult h = RunCli("--help");
  EXPECT_EQ(h.exit_code, 0);
  for (const char* command : {"record", "report", "probe"}) {
    EXPECT_TRUE(absl::StrContains(h.output, command)) << command;
    CliResult ch = RunCli(absl::StrCat(command, " --help"));
    EXPECT_EQ(ch.exit_code, 0) << command;
    EXPECT_TRUE(absl::StrContains(ch.output, absl::StrCat("Usage: submitwatch ", command)));
  }
}

TEST(Cli, UsageErrorsExitTwoWithAHint) {
  for (const char* args : {"frobnicate", "record --no-such-option", "record --duration",
                           "record --duration -5s", "record --duration 1y",
                           "record --duration abc", "record --ringbuf-size 1000",
                           "report", "report --format xml x.jsonl"}) {
    SCOPED_TRACE(args);
    CliResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(absl::StartsWith(r.output, "submitwatch: ")) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "--help")) << r.output;
  }
}

TEST(Cli, ReportOfMissingFileFailsWithItsName) {
  CliResult r = RunCli("report /nonexistent/capture.jsonl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(r.output, "/nonexistent/capture.jsonl")) << r.output;
}

TEST(Cli, ReportPrintsTablesOfASyntheticCapture) {
  const std::string path = TempFile("synthetic.jsonl");
  {
    std::ofstream out(path);
    CaptureHeader header;
    header.host = "testhost";
    header.kernel = "6.18.0-test";
    out << CaptureWriter::FormatRecord(Record(header)) << "\n";
    AllocRecord a;
    a.ts_ns = 100;
    a.site = "blkg_alloc";
    a.site_offset = "blkg_alloc+0x4f";
    a.is_atomic = true;
    a.gfp_raw = 1ull << 11;  // __GFP_KSWAPD_RECLAIM: GFP_NOWAIT
    a.context = kContextSubmit;
    a.cgroup = "/web";
    a.comm = "dd";
    a.size = 160;
    a.bytes = 320;
    a.stack = {"blkg_alloc+0x4f", "blkg_create+0x90", "submit_bio+0x20"};
    out << CaptureWriter::FormatRecord(Record(a)) << "\n";
    AllocRecord bad = a;
    bad.site = "evil_alloc";
    bad.is_atomic = false;
    bad.gfp_raw = (1ull << 10) | (1ull << 11) | (1ull << 6) | (1ull << 7);  // GFP_KERNEL
    out << CaptureWriter::FormatRecord(Record(bad)) << "\n";
    BlkgRecord b;
    b.ts_ns = 200;
    b.cgroup_id = b.blkg_cgroup_id = 42;
    b.cgroup = b.blkg_cgroup = "/web";
    b.disk = "loop7";
    b.online = b.has_stats = true;
    b.bios = 64;
    b.bytes = 64 * 4096;
    out << CaptureWriter::FormatRecord(Record(b)) << "\n";
    CaptureSummary s;
    out << CaptureWriter::FormatRecord(Record(s)) << "\n";
  }
  CliResult text = RunCli(absl::StrCat("report ", path));
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_TRUE(absl::StrContains(text.output, "blkg_alloc")) << text.output;
  EXPECT_TRUE(absl::StrContains(text.output, "UNSAFE")) << text.output;
  EXPECT_TRUE(absl::StrContains(text.output, "loop7")) << text.output;
  EXPECT_TRUE(absl::StrContains(text.output, "ready")) << text.output;
  CliResult json = RunCli(absl::StrCat("report --format json ", path));
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_TRUE(absl::StrContains(json.output, "\"schema\":1")) << json.output;
  unlink(path.c_str());
}

TEST(Cli, RecordToADirectoryIsAUsageError) {
  CliResult r = RunCli(absl::StrCat("record --duration 1s -o ", ::testing::TempDir()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "is a directory")) << r.output;
}

}  // namespace
}  // namespace submitwatch
