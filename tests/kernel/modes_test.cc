// What each attach mode adds, asserted in whichever mode the host (or
// SUBMITWATCH_TEST_MODE, inside scripts/qemu-test's second kernel) gives:
// the header names the modes, throttled bios are counted, and bios that a
// kworker submits for a cgroup are attributed to it.
#include <unistd.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "model/records.h"

namespace submitwatch::testing {
namespace {

constexpr uint64_t kBlockSize = 4096;

template <typename T>
std::vector<T> OfType(const std::vector<Record>& records) {
  std::vector<T> out;
  for (const Record& r : records) {
    if (const T* t = std::get_if<T>(&r)) out.push_back(*t);
  }
  return out;
}

std::string HookMode(const CaptureHeader& header, const std::string& hook) {
  for (const auto& h : header.hooks) {
    if (h.hook == hook) return h.mode;
  }
  return "";
}

bool FunctionHooksAttached(const CaptureHeader& header) {
  return HookMode(header, "submit_path") == "fentry" || HookMode(header, "submit_path") == "kprobe";
}

class ModesTest : public FreshPairTest {
 protected:
  void SetUp() override {
    FreshPairTest::SetUp();
    capture_ = TempPath("modes.jsonl");
  }

  void TearDown() override {
    unlink(capture_.c_str());
    upper_accounting_.reset();
    upper_.reset();
    FreshPairTest::TearDown();
  }

  std::vector<Record> RecordInCgroup(const std::string& device, int blocks) {
    const std::string script = absl::StrCat(
        "echo $$ > ", ShellQuote(cgroup_->dir() + "/cgroup.procs"),
        " && exec dd if=/dev/zero of=", ShellQuote(device), " bs=", kBlockSize,
        " count=", blocks, " oflag=direct status=none");
    CommandResult r = RunCommand(SubmitwatchCommand(
        "record", {"-o", capture_, "--interval", "200ms", "--", "sh", "-c", script}));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto records = CaptureReader::ReadAll(capture_);
    EXPECT_TRUE(records.ok()) << records.status();
    if (!records.ok() || records->empty()) return {};
    header_ = std::get<CaptureHeader>(records->front());
    return *records;
  }

  std::unique_ptr<LoopDevice> upper_;
  std::unique_ptr<KernelAccounting> upper_accounting_;
  std::string capture_;
  CaptureHeader header_;
};

TEST_F(ModesTest, HeaderNamesTheModeOfEveryHook) {
  std::vector<Record> records = RecordInCgroup(loop_->device(), 1);
  ASSERT_FALSE(records.empty());
  for (const char* hook : {"percpu_alloc", "block_bio_queue", "workqueue"}) {
    EXPECT_EQ(HookMode(header_, hook), "tracepoint") << hook;
  }
  for (const char* hook : {"submit_path", "blk_throtl", "blkg_assoc"}) {
    const std::string mode = HookMode(header_, hook);
    if (TestMode().empty()) {
      EXPECT_TRUE(mode == "fentry" || mode == "kprobe" || mode == "tracepoint") << hook;
    } else {
      EXPECT_EQ(mode, TestMode()) << hook;
    }
  }
  ExpectKernelAgrees(records, *cgroup_, loop_->device());
}

TEST_F(ModesTest, ThrottledWritesAreCountedForTheirCgroup) {
  constexpr int kBlocks = 32;
  // 128 KiB at 256 KiB/s: the throttle must queue some of them.
  ASSERT_TRUE(cgroup_->LimitWriteBps(loop_->device(), 256 * 1024).ok());
  std::vector<Record> records = RecordInCgroup(loop_->device(), kBlocks);
  ASSERT_FALSE(records.empty());

  // Every bio reaches the cgroup's own blkg, whoever submitted it in the end
  // (the throttle's worker dispatches the queued ones).
  // Snapshots are cumulative: sum the last one of each row.
  uint64_t bios = 0;
  absl::flat_hash_map<std::string, uint64_t> last_by_row;
  for (const BlkgRecord& b : OfType<BlkgRecord>(records)) {
    if (b.disk != loop_->name() || b.blkg_cgroup != cgroup_->path()) continue;
    last_by_row[absl::StrCat(b.cgroup_id, "/", b.kthread)] = b.bios;
  }
  for (const auto& [row, n] : last_by_row) bios += n;
  EXPECT_EQ(bios, static_cast<uint64_t>(kBlocks));
  // Throttled or not, a bio is counted once on both sides: the kernel as the
  // throttle queues it or lets it pass (v1) or as it is dispatched (v2),
  // block_bio_queue as it is dispatched.
  ExpectKernelAgrees(records, *cgroup_, loop_->device());

  std::vector<ThrottleRecord> throttles;
  for (const ThrottleRecord& t : OfType<ThrottleRecord>(records)) {
    if (t.cgroup == cgroup_->path() && t.disk == loop_->name()) throttles.push_back(t);
  }
  if (!FunctionHooksAttached(header_)) {
    EXPECT_TRUE(throttles.empty()) << "tracepoint mode has no throttle hook";
    return;
  }
  ASSERT_FALSE(throttles.empty());
  const ThrottleRecord& last = throttles.back();
  EXPECT_GT(last.throttled, 0u);
  EXPECT_EQ(last.throttled + last.passed, static_cast<uint64_t>(kBlocks));
  EXPECT_GT(last.queued_ns, 0u);
  EXPECT_GE(last.queued_ns, last.queued_max_ns);
}

TEST_F(ModesTest, KworkerSubmittedBiosCountForTheIntendedCgroup) {
  constexpr int kBlocks = 16;
  auto upper = LoopDevice::CreateOver(loop_->device());
  ASSERT_TRUE(upper.ok()) << upper.status();
  upper_ = *std::move(upper);
  auto upper_accounting = KernelAccounting::On(upper_->device());
  ASSERT_TRUE(upper_accounting.ok()) << upper_accounting.status();
  upper_accounting_ = *std::move(upper_accounting);
  std::vector<Record> records = RecordInCgroup(upper_->device(), kBlocks);
  ASSERT_FALSE(records.empty());

  // The upper loop device's worker, a kworker running for our cgroup, writes
  // to the lower device. Its bios are charged to our cgroup's blkg.
  std::vector<BlkgRecord> lower;
  for (const BlkgRecord& b : OfType<BlkgRecord>(records)) {
    if (b.disk == loop_->name() && b.blkg_cgroup == cgroup_->path()) lower.push_back(b);
  }
  ASSERT_FALSE(lower.empty()) << "no bio of our cgroup reached " << loop_->name();
  const BlkgRecord& last = lower.back();
  EXPECT_TRUE(last.online);
  EXPECT_TRUE(last.has_stats);
  EXPECT_GE(last.bios, 1u);
  if (HookMode(header_, "blkg_assoc") == "fentry" || HookMode(header_, "blkg_assoc") == "kprobe") {
    // The intended css is known: the row is our cgroup's, not "kernel thread".
    EXPECT_FALSE(last.kthread);
    EXPECT_EQ(last.cgroup, cgroup_->path());
  } else {
    // Tracepoint mode cannot know whom a kworker submits for: counted apart.
    EXPECT_TRUE(last.kthread);
  }
  // Both disks' blkgs of the cgroup: dd's bios on the upper, the worker's on
  // the lower (the kernel counts a blkg's bios whoever submits them).
  ExpectKernelAgrees(records, *cgroup_, upper_->device());
  ExpectKernelAgrees(records, *cgroup_, loop_->device());
}

TEST_F(ModesTest, SlabNeedsTheSubmitDepthAndThenSeesSubmitPathSlab) {
  // The mode the submit path gets, without doing IO in the fresh cgroup yet
  // (its blkg must be created under --slab).
  CommandResult probe = RunCommand(SubmitwatchCommand("probe", {}));
  ASSERT_EQ(probe.exit_code, 0) << probe.output;
  const bool depth = !absl::StrContains(probe.output, "submit_path      tracepoint");
  const std::string script = absl::StrCat(
      "echo $$ > ", ShellQuote(cgroup_->dir() + "/cgroup.procs"),
      " && exec dd if=/dev/zero of=", ShellQuote(loop_->device()), " bs=4096 count=4 oflag=direct status=none");
  CommandResult r = RunCommand(SubmitwatchCommand(
      "record", {"--slab", "-o", capture_, "--", "sh", "-c", script}));
  if (!depth) {
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "--slab needs the submit path hooked")) << r.output;
    EXPECT_NE(access(capture_.c_str(), F_OK), 0) << "no capture on a refused start";
    return;
  }
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto slab_records = CaptureReader::ReadAll(capture_);
  ASSERT_TRUE(slab_records.ok()) << slab_records.status();
  // The new blkg itself is a slab object, allocated GFP_NOWAIT while the bio
  // is associated: in the submit path, atomic.
  bool saw_blkg_slab = false;
  for (const AllocRecord& a : OfType<AllocRecord>(*slab_records)) {
    if (a.allocator != Allocator::kSlab || a.cgroup != cgroup_->path()) continue;
    EXPECT_TRUE(a.context & kContextSubmit) << a.site;
    if (a.site == "blkg_alloc") saw_blkg_slab = true;
  }
  EXPECT_TRUE(saw_blkg_slab);
}

// What `probe` says about each mode must match what forcing it does.
TEST(ProbeTest, ForcedModesSucceedExactlyWhenTheProbeSaysTheyWork) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  CommandResult probe = RunCommand({SUBMITWATCH_BINARY, "probe"});
  ASSERT_EQ(probe.exit_code, 0) << probe.output;
  for (const char* hook : {"submit_path", "blk_throtl", "blkg_assoc", "percpu_alloc",
                           "block_bio_queue", "workqueue"}) {
    EXPECT_TRUE(absl::StrContains(probe.output, hook)) << hook;
  }
  for (const char* mode : {"fentry", "kprobe"}) {
    SCOPED_TRACE(mode);
    const bool works = absl::StrContains(probe.output, absl::StrCat("submit_bio: ", mode, " works"));
    if (!works) {
      // It says why: refused or unavailable, with the errno.
      EXPECT_TRUE(absl::StrContains(probe.output, absl::StrCat("submit_bio: ", mode, " refused")) ||
                  absl::StrContains(probe.output, absl::StrCat("submit_bio: ", mode, " unavailable")))
          << probe.output;
    }
    const std::string capture = TempPath(absl::StrCat("forced-", mode, ".jsonl"));
    CommandResult r = RunCommand({SUBMITWATCH_BINARY, "record", "--mode", mode, "--duration",
                                  "1s", "-o", capture});
    if (works) {
      EXPECT_EQ(r.exit_code, 0) << r.output;
    } else {
      EXPECT_EQ(r.exit_code, 1) << r.output;
      EXPECT_TRUE(absl::StrContains(r.output, absl::StrCat("--mode ", mode, ": this host cannot")))
          << r.output;
    }
    unlink(capture.c_str());
  }
}

}  // namespace
}  // namespace submitwatch::testing
