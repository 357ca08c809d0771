// Environment faults, as root: missing capabilities, `report`/`--help` with
// no privileges at all, `-o -` into a pipe that closes, `-o` on a full file
// system, and a ring buffer too small for a flood of allocation events (the
// loss counter must be exact).
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "capture/capture_reader.h"
#include "capture/capture_writer.h"
#include "common/errno_text.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"

namespace submitwatch::testing {
namespace {

bool HaveTool(const std::string& name) {
  return RunCommand({"sh", "-c", absl::StrCat("command -v ", name)}).exit_code == 0;
}

// Ids of the BPF programs of ours (any submitwatch's) the kernel lists now.
std::set<std::string> OurProgramIds() {
  std::set<std::string> ids;
  CommandResult r = RunCommand({"bpftool", "prog", "list"});
  for (absl::string_view line : absl::StrSplit(r.output, '\n')) {
    if (!absl::StrContains(line, " name sw_")) continue;
    ids.insert(std::string(line.substr(0, line.find(':'))));
  }
  return ids;
}

// Whether a program of ours not in `before` is still loaded. Programs are
// freed after an RCU grace period: polls for up to 5 s. Comparing with
// `before` keeps other submitwatch instances on the host out of it.
bool NewProgramsStayLoaded(const std::set<std::string>& before) {
  for (int i = 0; i < 50; ++i) {
    bool any_new = false;
    for (const std::string& id : OurProgramIds()) any_new |= before.count(id) == 0;
    if (!any_new) return false;
    usleep(100 * 1000);
  }
  return true;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Binary() { return SUBMITWATCH_BINARY; }

// A private temporary directory, removed with what is in it.
class TempDir {
 public:
  TempDir() : path_(TempPath(absl::StrCat("dir-", counter_++))) { mkdir(path_.c_str(), 0755); }
  ~TempDir() { RunCommand({"rm", "-rf", "--one-file-system", path_}); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

class Faults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
    if (!HaveTool("setpriv")) SW_SKIP_OR_FAIL("setpriv (util-linux) missing");
  }
};

// "setpriv ... submitwatch ARGS" as uid/gid 65534 with every capability gone.
std::vector<std::string> Unprivileged(std::vector<std::string> args) {
  std::vector<std::string> argv = {"setpriv",          "--reuid=65534",        "--regid=65534",
                                   "--clear-groups",   "--inh-caps=-all",      "--bounding-set=-all",
                                   "--no-new-privs",   Binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

TEST_F(Faults, WithoutCapabilitiesRecordNamesWhatIsMissing) {
  const std::set<std::string> before = OurProgramIds();
  // Not root, no capabilities.
  CommandResult nobody = RunCommand(Unprivileged({"record", "--duration", "1s", "-o", "/dev/null"}));
  EXPECT_NE(nobody.exit_code, 0) << nobody.output;
  EXPECT_TRUE(absl::StrContains(nobody.output, "CAP_BPF")) << nobody.output;
  EXPECT_TRUE(absl::StrContains(nobody.output, "CAP_PERFMON")) << nobody.output;
  // Root, but CAP_BPF and CAP_PERFMON (and CAP_SYS_ADMIN, which implies them) gone.
  CommandResult root = RunCommand({"setpriv", "--inh-caps=-all",
                                   "--bounding-set=-bpf,-perfmon,-sys_admin", Binary(), "record",
                                   "--duration", "1s", "-o", "/dev/null"});
  EXPECT_NE(root.exit_code, 0) << root.output;
  EXPECT_TRUE(absl::StrContains(root.output, "missing: CAP_BPF, CAP_PERFMON")) << root.output;
  // Only CAP_PERFMON gone: only it is named.
  CommandResult half = RunCommand({"setpriv", "--inh-caps=-all",
                                   "--bounding-set=-perfmon,-sys_admin", Binary(), "record",
                                   "--duration", "1s", "-o", "/dev/null"});
  EXPECT_NE(half.exit_code, 0) << half.output;
  EXPECT_TRUE(absl::StrContains(half.output, "CAP_PERFMON")) << half.output;
  EXPECT_FALSE(absl::StrContains(half.output, "CAP_BPF")) << half.output;
  EXPECT_FALSE(NewProgramsStayLoaded(before));
}

TEST_F(Faults, ReportAndHelpNeedNoPrivileges) {
  TempDir dir;
  const std::string capture = dir.path() + "/capture.jsonl";
  {
    std::ofstream out(capture);
    CaptureHeader header;
    header.host = "testhost";
    out << CaptureWriter::FormatRecord(Record(header)) << "\n";
    AllocRecord a;
    a.site = "blkg_alloc";
    a.comm = "dd";
    a.size = a.bytes = 64;
    out << CaptureWriter::FormatRecord(Record(a)) << "\n";
    out << CaptureWriter::FormatRecord(Record(CaptureSummary())) << "\n";
  }
  ASSERT_EQ(chmod(capture.c_str(), 0644), 0);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"report", capture},
                                             {"report", "--format", "json", capture},
                                             {"check", "--replay", capture},
                                             {"--help"},
                                             {"record", "--help"},
                                             {"report", "--help"},
                                             {"--version"}}) {
    SCOPED_TRACE(absl::StrJoin(args, " "));
    CommandResult r = RunCommand(Unprivileged(args));
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
}

// `record -o - | head -c 10`: record ends quietly with exit 0 when the pipe
// closes, and its programs are detached.
TEST_F(Faults, RecordIntoAClosedPipeExitsQuietlyAndDetaches) {
  if (RunCommand({"bpftool", "version"}).exit_code != 0) SW_SKIP_OR_FAIL("bpftool missing");
  const std::set<std::string> before = OurProgramIds();
  TempDir dir;
  const std::string err = dir.path() + "/stderr";
  std::string record;
  for (const std::string& a : SubmitwatchCommand("record", {"-o", "-", "--duration", "5s"})) {
    absl::StrAppend(&record, ShellQuote(a), " ");
  }
  CommandResult r = RunCommand(
      {"bash", "-c",
       absl::StrCat(record, "2>", ShellQuote(err),
                    " | head -c 10 >/dev/null; echo \"exit=${PIPESTATUS[0]}\"")});
  EXPECT_TRUE(absl::StrContains(r.output, "exit=0")) << r.output << Slurp(err);
  const std::string err_text = Slurp(err);
  EXPECT_TRUE(absl::StrContains(err_text, "submitwatch: attached ")) << err_text;
  for (absl::string_view line : absl::StrSplit(err_text, '\n', absl::SkipEmpty())) {
    // The one status line at attach time; no error, no warning.
    EXPECT_TRUE(absl::StartsWith(line, "submitwatch: attached ")) << line;
  }
  EXPECT_FALSE(NewProgramsStayLoaded(before));
}

// `report -o` on a file system that fills up: a message naming the file and
// the error, non-zero, and no file (neither the name nor a temporary) left.
TEST_F(Faults, ReportOntoAFullFileSystemLeavesNothing) {
  TempDir dir;
  const std::string capture = dir.path() + "/capture.jsonl";
  {
    std::ofstream out(capture);
    out << CaptureWriter::FormatRecord(Record(CaptureHeader())) << "\n";
    for (int i = 0; i < 2000; ++i) {
      AllocRecord a;
      a.site = absl::StrCat("site_number_", i, "_with_a_rather_long_name");
      a.comm = "dd";
      a.size = a.bytes = 64;
      out << CaptureWriter::FormatRecord(Record(a)) << "\n";
    }
  }
  const std::string mnt = dir.path() + "/small";
  ASSERT_EQ(mkdir(mnt.c_str(), 0755), 0);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=16k") != 0) {
    SW_SKIP_OR_FAIL(absl::StrCat("cannot mount a tmpfs: ", ErrnoText(errno)));
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const std::string target = mnt + "/report.txt";
  CommandResult r = RunCommand({Binary(), "report", capture, "-o", target});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, target)) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "No space left")) << r.output;
  DIR* d = opendir(mnt.c_str());
  ASSERT_NE(d, nullptr);
  std::vector<std::string> left;
  while (dirent* e = readdir(d)) {
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") left.push_back(e->d_name);
  }
  closedir(d);
  EXPECT_TRUE(left.empty()) << absl::StrJoin(left, ", ");
}

// A flood of per-cpu allocations (network namespaces) into a 4 KiB ring
// buffer: events are lost, the loss is counted, and received + lost is
// exactly the number of allocation events generated.
// The kernel's BPF run-time statistics on for the test's duration (they
// count each program's runs), restored afterwards.
class BpfStatsOn {
 public:
  BpfStatsOn() : before_(Slurp(kPath)) { ok_ = Write("1"); }
  ~BpfStatsOn() {
    if (!before_.empty()) Write(before_);
  }
  bool ok() const { return ok_; }

 private:
  static constexpr const char* kPath = "/proc/sys/kernel/bpf_stats_enabled";
  static bool Write(const std::string& value) {
    std::ofstream out(kPath);
    out << value;
    out.flush();
    return static_cast<bool>(out);
  }
  std::string before_;
  bool ok_ = false;
};

TEST_F(Faults, RingBufferOverflowIsCountedExactly) {
  if (!HaveTool("unshare")) SW_SKIP_OR_FAIL("unshare missing");
  BpfStatsOn stats;
  if (!stats.ok()) SW_SKIP_OR_FAIL("cannot turn on kernel.bpf_stats_enabled");
  TempDir dir;
  const std::string capture = dir.path() + "/flood.jsonl";
  // Each new network namespace makes a burst of per-cpu allocations.
  std::vector<std::string> args = {"--all-allocs", "--ringbuf-size", "4K", "-o", capture, "--",
                                   "sh", "-c", "for i in $(seq 40); do unshare -n true; done"};
  CommandResult r = RunCommand(SubmitwatchCommand("record", args));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "were lost")) << r.output;

  absl::StatusOr<std::vector<Record>> records = CaptureReader::ReadAll(capture);
  ASSERT_TRUE(records.ok()) << records.status();
  uint64_t allocs = 0;
  const LostRecord* last_lost = nullptr;
  const CaptureSummary* summary = nullptr;
  for (const Record& rec : *records) {
    if (std::holds_alternative<AllocRecord>(rec)) ++allocs;
    if (const auto* l = std::get_if<LostRecord>(&rec)) last_lost = l;
    if (const auto* s = std::get_if<CaptureSummary>(&rec)) summary = s;
  }
  ASSERT_NE(summary, nullptr);
  ASSERT_NE(last_lost, nullptr) << "no lost record";
  // Lost records are cumulative: the last one is the total, by reason.
  EXPECT_GT(summary->lost, 0u);
  EXPECT_EQ(summary->lost, last_lost->Total());
  const uint64_t lost = last_lost->counts.at("alloc");
  EXPECT_GT(lost, 0u);
  EXPECT_GT(allocs, 0u);
  // With --all-allocs every run of the allocation programs is one event
  // sent or one counted as lost; the runs are the events generated.
  uint64_t generated = 0;
  for (const char* program : {"sw_percpu_alloc", "sw_percpu_alloc_fail"}) {
    auto it = summary->program_runs.find(program);
    if (it != summary->program_runs.end()) generated += it->second;
  }
  ASSERT_GT(generated, 0u) << "no program run counts in the summary";
  EXPECT_EQ(lost, generated - allocs)
      << "generated " << generated << ", received " << allocs << ", lost " << lost;
}

}  // namespace
}  // namespace submitwatch::testing
