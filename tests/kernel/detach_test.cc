// `record` stopped by a signal still writes a complete capture and leaves no
// BPF program of ours in the kernel.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <vector>

#include <string>
#include <variant>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"

namespace submitwatch::testing {
namespace {

// IDs of loaded programs with our names (as the kernel lists them,
// truncated to 15 characters). Programs of a submitwatch that was already
// running before a test are not the test's: tests compare against a baseline.
absl::flat_hash_set<int> OurProgramIds() {
  CommandResult r = RunCommand({"bpftool", "prog", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  absl::flat_hash_set<int> ids;
  for (absl::string_view line : absl::StrSplit(r.output, '\n')) {
    // "123: tracing  name sw_percpu_alloc  tag ..."
    if (!absl::StrContains(line, " name sw_")) continue;
    int id = 0;
    if (absl::SimpleAtoi(line.substr(0, line.find(':')), &id)) ids.insert(id);
  }
  return ids;
}

// The kernel frees a program after an RCU grace period and a work item, so
// it may be listed for a moment after the last reference went away.
bool NewProgramsRemain(const absl::flat_hash_set<int>& baseline) {
  for (int i = 0; i < 50; ++i) {
    bool any = false;
    for (int id : OurProgramIds()) any |= !baseline.contains(id);
    if (!any) return false;
    usleep(100 * 1000);
  }
  return true;
}

// Starts `record -o capture`, waits until it says it is attached, then
// sends `signal`; returns the exit code.
int RecordUntilSignal(const std::string& capture, int signal, std::string* stderr_text,
                      const std::function<void(pid_t)>& while_attached = nullptr) {
  absl::StatusOr<std::unique_ptr<RecordProcess>> rec = RecordProcess::Start(capture);
  if (!rec.ok()) {
    *stderr_text = std::string(rec.status().message());
    return -1;
  }
  if (while_attached) while_attached((*rec)->pid());
  const int code = (*rec)->Stop(signal);
  *stderr_text = (*rec)->Stderr();
  return code;
}

TEST(Detach, SigintEndsRecordWithACompleteCaptureAndNothingAttached) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  if (RunCommand({"bpftool", "version"}).exit_code != 0) SW_SKIP_OR_FAIL("bpftool missing");
  const absl::flat_hash_set<int> baseline = OurProgramIds();
  const std::string capture = TempPath("sigint.jsonl");
  for (int signal : {SIGINT, SIGTERM}) {
    SCOPED_TRACE(signal);
    std::string output;
    EXPECT_EQ(RecordUntilSignal(capture, signal, &output), 0) << output;
    EXPECT_TRUE(absl::StrContains(output, "attached")) << output;
    auto records = CaptureReader::ReadAll(capture);
    ASSERT_TRUE(records.ok()) << records.status();
    ASSERT_GE(records->size(), 2u);
    EXPECT_TRUE(std::holds_alternative<CaptureHeader>(records->front()));
    EXPECT_TRUE(std::holds_alternative<CaptureSummary>(records->back()));
    EXPECT_FALSE(NewProgramsRemain(baseline));
    unlink(capture.c_str());
  }
}

TEST(Detach, SigkillLeavesNothingAttached) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  const std::string capture = TempPath("sigkill.jsonl");
  const absl::flat_hash_set<int> baseline = OurProgramIds();
  std::string output;
  EXPECT_EQ(RecordUntilSignal(capture, SIGKILL, &output), 128 + SIGKILL) << output;
  // Links are file descriptors: the kernel drops them with the process.
  EXPECT_FALSE(NewProgramsRemain(baseline));
  // Killed before its clean end: the capture stays under its .partial name
  // (what it holds is the Durability tests' business), nothing else.
  EXPECT_NE(access(capture.c_str(), F_OK), 0);
  CommandResult leftovers = RunCommand({"sh", "-c", "ls " + ShellQuote(capture) + ".* 2>/dev/null"});
  EXPECT_EQ(leftovers.output, capture + ".partial\n");
  unlink((capture + ".partial").c_str());
}

TEST(LeastPrivilege, RecordKeepsOnlyWhatItNeedsOnceAttached) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  const std::string capture = TempPath("caps.jsonl");
  std::string output;
  uint64_t effective = ~0ull, bounding = ~0ull, allowed = 0;
  EXPECT_EQ(RecordUntilSignal(capture, SIGINT, &output,
                              [&](pid_t pid) {
                                // The drop follows the "attached" line closely.
                                for (int i = 0; i < 50; ++i) {
                                  effective = CapabilityMask(pid, "CapEff").value_or(~0ull);
                                  allowed = CapabilitiesAllowedAfterAttach(pid);
                                  if ((effective & ~allowed) == 0) break;
                                  usleep(100 * 1000);
                                }
                                bounding = CapabilityMask(pid, "CapBnd").value_or(~0ull);
                              }),
            0)
      << output;
  EXPECT_EQ(effective & ~allowed, 0u) << std::hex << effective;
  EXPECT_EQ(bounding & ~allowed, 0u) << std::hex << bounding;
  // Each of those it keeps is still there, CAP_BPF for map reads above all.
  EXPECT_EQ(effective & kCapabilitiesKeptAfterAttach, kCapabilitiesKeptAfterAttach)
      << std::hex << effective;
  // Still a complete capture: the drop took nothing the loop needed.
  auto records = CaptureReader::ReadAll(capture);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_TRUE(std::holds_alternative<CaptureSummary>(records->back()));
  unlink(capture.c_str());
}

}  // namespace
}  // namespace submitwatch::testing
