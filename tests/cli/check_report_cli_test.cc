// The command-line contract of `check --replay` and of the report exports,
// without privileges: exit statuses for every --fail-on, usage errors, and
// the folded and perfetto outputs of captures the test writes.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "capture/capture_writer.h"
#include "capture/json_parser.h"
#include "cli_runner.h"
#include "gtest/gtest.h"
#include "model/gfp.h"
#include "model/records.h"

namespace submitwatch {
namespace {

using testing::CliResult;
using testing::RunCli;

class Capture {
 public:
  explicit Capture(const std::string& stem)
      : path_(absl::StrCat(::testing::TempDir(), "/check-cli-", getpid(), "-", stem, ".jsonl")) {
    CaptureHeader header;
    header.host = "ci";
    header.kernel = "6.18.0-test";
    header.start_monotonic_ns = 1'000'000'000;
    records_.push_back(Record(header));
  }
  ~Capture() {
    unlink(path_.c_str());
    unlink((path_ + ".out").c_str());
  }
  Capture& Add(const Record& r) {
    records_.push_back(r);
    return *this;
  }
  // Writes the file (with a summary) and returns its path.
  const std::string& Write(int workload_exit = -1) {
    std::ofstream out(path_);
    for (const Record& r : records_) out << CaptureWriter::FormatRecord(r) << "\n";
    CaptureSummary summary;
    summary.ts_ns = 3'000'000'000;
    summary.workload_exit = workload_exit;
    out << CaptureWriter::FormatRecord(Record(summary)) << "\n";
    return path_;
  }
  std::string out_path() const { return path_ + ".out"; }

 private:
  std::string path_;
  std::vector<Record> records_;
};

AllocRecord Alloc(bool unsafe) {
  AllocRecord a;
  a.ts_ns = 1'500'000'000;
  a.allocator = Allocator::kPercpu;
  a.is_atomic = !unsafe;
  a.gfp_raw = unsafe ? kGfpKernelMask : kGfpNowaitMask;
  a.context = kContextSubmit;
  a.site = unsafe ? "evil_alloc" : "blkg_alloc";
  a.site_offset = a.site + "+0x10";
  a.cgroup_id = 42;
  a.cgroup = "/ci";
  a.pid = a.tid = 77;
  a.comm = "dd";
  a.bytes = 480;
  a.stack = {"pcpu_alloc_noprof+0x1a", a.site_offset, "blkg_create+0x90", "submit_bio+0x20"};
  return a;
}

BlkgRecord Fallback() {
  BlkgRecord b;
  b.ts_ns = 2'000'000'000;
  b.first_seen_ns = 1'600'000'000;
  b.cgroup_id = 42;
  b.cgroup = "/ci";
  b.dev_major = 7;
  b.disk = "loop7";
  b.blkg_cgroup_id = 1;
  b.blkg_cgroup = "/";
  b.online = b.has_stats = true;
  b.bios = 64;
  b.bytes = 64 * 4096;
  return b;
}

TEST(CheckReplay, CleanCaptureExitsZeroAndListsItsAllocations) {
  Capture capture("clean");
  capture.Add(Record(Alloc(false)));
  CliResult r = RunCli(absl::StrCat("check --replay ", capture.Write(0)));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "blkg_alloc")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "check: clean (fail-on: unsafe,failed)")) << r.output;
}

TEST(CheckReplay, UnsafeAllocationExitsOne) {
  Capture capture("unsafe");
  capture.Add(Record(Alloc(false))).Add(Record(Alloc(true)));
  const std::string path = capture.Write(0);
  CliResult r = RunCli(absl::StrCat("check --replay ", path));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "!UNSAFE  evil_alloc")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "check: FAIL: 1 UNSAFE allocation")) << r.output;
  // Only --fail-on words without unsafe let it pass.
  EXPECT_EQ(RunCli(absl::StrCat("check --replay ", path, " --fail-on failed")).exit_code, 0);
  EXPECT_EQ(RunCli(absl::StrCat("check --replay ", path, " --fail-on any")).exit_code, 1);
}

TEST(CheckReplay, EveryFailOnWordAgainstAFallbackCgroup) {
  Capture capture("fallback");
  capture.Add(Record(Fallback()));
  const std::string path = capture.Write(0);
  const std::vector<std::pair<std::string, int>> cases = {
      {"", 0},
      {"--fail-on unsafe", 0},
      {"--fail-on failed", 0},
      {"--fail-on pending", 0},
      {"--fail-on fallback", 1},
      {"--fail-on any", 1},
      {"--fail-on unsafe,fallback", 1},
      {"--fail-on=unsafe --fail-on=fallback", 1},
      {"-f pending -f failed", 0},
  };
  for (const auto& [options, expected] : cases) {
    SCOPED_TRACE(options);
    CliResult r = RunCli(absl::StrCat("check --replay ", path, " ", options));
    EXPECT_EQ(r.exit_code, expected) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "/ci     loop7  fallback")) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "1 fallback cgroup/disk pair")) << r.output;
  }
}

TEST(CheckReplay, FailedWorkloadHasItsOwnExitStatus) {
  Capture capture("workload");
  capture.Add(Record(Alloc(false)));
  CliResult r = RunCli(absl::StrCat("check --replay ", capture.Write(5)));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "the workload failed: exit status 5")) << r.output;
  // A finding that fails the check wins, and both are said.
  Capture both("workload-unsafe");
  both.Add(Record(Alloc(true)));
  CliResult b = RunCli(absl::StrCat("check --replay ", both.Write(5)));
  EXPECT_EQ(b.exit_code, 1) << b.output;
  EXPECT_TRUE(absl::StrContains(b.output, "exit status 5")) << b.output;
}

TEST(CheckReplay, UsageAndSetupErrorsExitTwo) {
  Capture capture("usage");
  const std::string path = capture.Write();
  for (const std::string& args :
       {std::string("check --fail-on bogus --replay ") + path, std::string("check --fail-on ''"),
        std::string("check --no-such-option"), absl::StrCat("check --replay ", path, " -- true"),
        absl::StrCat("check --replay ", path, " --duration 1s"),
        absl::StrCat("check --replay ", path, " -o x.jsonl"), std::string("check --duration 0s"),
        std::string("check --replay /nonexistent/capture.jsonl")}) {
    SCOPED_TRACE(args);
    CliResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(absl::StartsWith(r.output, "submitwatch: ")) << r.output;
  }
}

TEST(CheckAndDemoHelp, DocumentTheirOptionsAndExitStatuses) {
  CliResult main_help = RunCli("--help");
  EXPECT_TRUE(absl::StrContains(main_help.output, "\n  check ")) << main_help.output;
  EXPECT_TRUE(absl::StrContains(main_help.output, "\n  demo ")) << main_help.output;
  CliResult check = RunCli("check --help");
  EXPECT_EQ(check.exit_code, 0);
  for (const char* text : {"--fail-on KINDS", "--replay FILE", "--output FILE", "--duration D",
                           "Exit status:", "  3  CMD failed"}) {
    EXPECT_TRUE(absl::StrContains(check.output, text)) << text << "\n" << check.output;
  }
  CliResult demo = RunCli("demo --help");
  EXPECT_EQ(demo.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(demo.output, "--duration D")) << demo.output;
  EXPECT_EQ(RunCli("demo --no-such-option").exit_code, 2);
  EXPECT_EQ(RunCli("demo extra").exit_code, 2);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ReportExports, FoldedByCountAndBytes) {
  Capture capture("folded");
  capture.Add(Record(Alloc(false))).Add(Record(Alloc(false))).Add(Record(Alloc(true)));
  const std::string path = capture.Write();
  CliResult count = RunCli(absl::StrCat("report ", path, " --format folded"));
  EXPECT_EQ(count.exit_code, 0) << count.output;
  EXPECT_EQ(count.output,
            "UNSAFE;submit_bio;blkg_create;evil_alloc;pcpu_alloc_noprof 1\n"
            "atomic;submit_bio;blkg_create;blkg_alloc;pcpu_alloc_noprof 2\n");
  CliResult bytes = RunCli(absl::StrCat("report ", path, " --format folded --weight bytes"));
  EXPECT_EQ(bytes.exit_code, 0) << bytes.output;
  EXPECT_EQ(bytes.output,
            "UNSAFE;submit_bio;blkg_create;evil_alloc;pcpu_alloc_noprof 480\n"
            "atomic;submit_bio;blkg_create;blkg_alloc;pcpu_alloc_noprof 960\n");
}

TEST(ReportExports, PerfettoToAFileIsTraceEventJson) {
  Capture capture("perfetto");
  capture.Add(Record(Alloc(true))).Add(Record(Fallback()));
  const std::string path = capture.Write();
  CliResult r = RunCli(absl::StrCat("report ", path, " --format perfetto -o ", capture.out_path()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");
  absl::StatusOr<JsonValue> trace = ParseJson(ReadFile(capture.out_path()));
  ASSERT_TRUE(trace.ok()) << trace.status();
  ASSERT_NE(trace->Find("traceEvents"), nullptr);
  EXPECT_EQ(*trace->Find("metadata")->Find("schema")->AsInt64(), 1);
  bool saw_unsafe = false;
  for (const JsonValue& e : *trace->Find("traceEvents")->AsArray()) {
    if (*e.Find("name")->AsString() == "UNSAFE evil_alloc") saw_unsafe = true;
  }
  EXPECT_TRUE(saw_unsafe);
}

TEST(ReportExports, WeightIsForFoldedOnly) {
  Capture capture("weight");
  const std::string path = capture.Write();
  for (const std::string& args : {absl::StrCat("report ", path, " --weight bytes"),
                                  absl::StrCat("report ", path, " --format json --weight count"),
                                  absl::StrCat("report ", path, " --format folded --weight kg"),
                                  absl::StrCat("report ", path, " --format svg")}) {
    SCOPED_TRACE(args);
    CliResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "--help")) << r.output;
  }
}

}  // namespace
}  // namespace submitwatch
