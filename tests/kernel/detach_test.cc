// `record` stopped by a signal still writes a complete capture and leaves no
// BPF program of ours in the kernel.
#include <unistd.h>

#include <string>
#include <variant>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "sinks/capture/capture_reader.h"

namespace submitwatch::testing {
namespace {

// Our programs' names as the kernel lists them (truncated to 15 characters).
bool AnyOfOurProgramsListed() {
  CommandResult r = RunCommand({"bpftool", "prog", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return absl::StrContains(r.output, "sw_percpu_alloc") ||
         absl::StrContains(r.output, "sw_block_bio_qu") ||
         absl::StrContains(r.output, "sw_wq_");
}

// The kernel frees a program after an RCU grace period and a work item, so
// it may be listed for a moment after the last reference went away.
bool AnyOfOurProgramsLoaded() {
  for (int i = 0; i < 50; ++i) {
    if (!AnyOfOurProgramsListed()) return false;
    usleep(100 * 1000);
  }
  return true;
}

TEST(Detach, SigintEndsRecordWithACompleteCaptureAndNothingAttached) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  if (RunCommand({"bpftool", "version"}).exit_code != 0) SW_SKIP_OR_FAIL("bpftool missing");
  ASSERT_FALSE(AnyOfOurProgramsLoaded()) << "another submitwatch is running";
  const std::string capture = TempPath("sigint.jsonl");
  for (const char* signal : {"INT", "TERM"}) {
    SCOPED_TRACE(signal);
    CommandResult r =
        RunCommand({"timeout", "--preserve-status", "-s", signal, "2", SUBMITWATCH_BINARY, "record", "-o", capture});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "attached")) << r.output;
    auto records = CaptureReader::ReadAll(capture);
    ASSERT_TRUE(records.ok()) << records.status();
    ASSERT_GE(records->size(), 2u);
    EXPECT_TRUE(std::holds_alternative<CaptureHeader>(records->front()));
    EXPECT_TRUE(std::holds_alternative<CaptureSummary>(records->back()));
    EXPECT_FALSE(AnyOfOurProgramsLoaded());
    unlink(capture.c_str());
  }
}

TEST(Detach, SigkillLeavesNothingAttached) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  const std::string capture = TempPath("sigkill.jsonl");
  CommandResult r =
      RunCommand({"timeout", "--preserve-status", "-s", "KILL", "2", SUBMITWATCH_BINARY, "record", "-o", capture});
  EXPECT_EQ(r.exit_code, 128 + 9) << r.output;
  // Links are file descriptors: the kernel drops them with the process.
  EXPECT_FALSE(AnyOfOurProgramsLoaded());
  // Killed before it could link the file into place: neither the capture nor
  // a temporary file is left behind.
  EXPECT_NE(access(capture.c_str(), F_OK), 0);
  CommandResult leftovers = RunCommand({"sh", "-c", "ls " + ShellQuote(capture) + ".* 2>/dev/null"});
  EXPECT_EQ(leftovers.output, "");
}

}  // namespace
}  // namespace submitwatch::testing
