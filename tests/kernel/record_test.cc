// End to end on the real kernel: a fresh cgroup does direct IO to a fresh loop
// device while `submitwatch record` runs; the capture must show exactly what
// the test caused.
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "model/gfp.h"
#include "model/records.h"
#include "model/verdict.h"

namespace submitwatch::testing {
namespace {

constexpr int kBlocks = 64;
constexpr uint64_t kBlockSize = 4096;

class RecordTest : public FreshPairTest {
 protected:
  void SetUp() override {
    FreshPairTest::SetUp();
    capture_ = TempPath("capture.jsonl");
    pid_file_ = TempPath("workload.pid");
  }

  void TearDown() override {
    unlink(capture_.c_str());
    unlink(pid_file_.c_str());
    FreshPairTest::TearDown();
  }

  // `record -- sh -c 'join cgroup; exec dd ...'`: the workload starts after
  // the programs are attached, and the capture is complete when record exits.
  std::vector<Record> RecordDirectWrites(int blocks) {
    const std::string script = absl::StrCat(
        "echo $$ > ", ShellQuote(cgroup_->dir() + "/cgroup.procs"), " && echo $$ > ",
        ShellQuote(pid_file_), " && exec dd if=/dev/zero of=", ShellQuote(loop_->device()),
        " bs=", kBlockSize, " count=", blocks, " oflag=direct status=none");
    CommandResult r = RunCommand(SubmitwatchCommand(
        "record", {"-o", capture_, "--interval", "200ms", "--", "sh", "-c", script}));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto records = CaptureReader::ReadAll(capture_);
    EXPECT_TRUE(records.ok()) << records.status();
    std::ifstream pid_in(pid_file_);
    pid_in >> workload_pid_;
    return records.ok() ? *records : std::vector<Record>{};
  }

  std::string capture_;
  std::string pid_file_;
  uint32_t workload_pid_ = 0;
};

template <typename T>
std::vector<T> OfType(const std::vector<Record>& records) {
  std::vector<T> out;
  for (const Record& r : records) {
    if (const T* t = std::get_if<T>(&r)) out.push_back(*t);
  }
  return out;
}

TEST_F(RecordTest, DirectIoInFreshCgroupIsReadyWithAtomicBlkgAllocation) {
  std::vector<Record> records = RecordDirectWrites(kBlocks);
  ASSERT_FALSE(records.empty());
  ASSERT_TRUE(std::holds_alternative<CaptureHeader>(records.front()));
  ASSERT_TRUE(std::holds_alternative<CaptureSummary>(records.back()));
  EXPECT_EQ(std::get<CaptureSummary>(records.back()).workload_exit, 0);
  ASSERT_NE(workload_pid_, 0u);

  // (a) the blkg for (cgroup, loop device) is created in the submit path of
  // the dd process, with per-cpu allocations that must be atomic.
  std::vector<AllocRecord> ours;
  for (const AllocRecord& a : OfType<AllocRecord>(records)) {
    if (a.cgroup == cgroup_->path() && (a.context & kContextSubmit)) ours.push_back(a);
  }
  ASSERT_FALSE(ours.empty()) << "no submit-path allocation attributed to " << cgroup_->path();
  bool saw_blkg_alloc = false;
  for (const AllocRecord& a : ours) {
    SCOPED_TRACE(a.site_offset);
    EXPECT_EQ(a.allocator, Allocator::kPercpu);
    EXPECT_EQ(ClassifyAlloc(a), Verdict::kAtomic);
    EXPECT_TRUE(a.is_atomic);
    // Same pid: the shell joins the cgroup, then execs dd (its exec reads
    // the dd binary, which allocates too, under comm "sh").
    EXPECT_EQ(a.pid, workload_pid_);
    EXPECT_TRUE(a.comm == "dd" || a.comm == "sh") << a.comm;
    EXPECT_FALSE(a.stack.empty());
    EXPECT_FALSE(a.failed);
    if (a.site == "blkg_alloc" && a.comm == "dd") {
      saw_blkg_alloc = true;
      EXPECT_NE(a.gfp_raw & kGfpKswapdReclaim, 0u) << GfpText(a.gfp_raw);
      EXPECT_EQ(a.gfp_raw & kGfpDirectReclaim, 0u) << GfpText(a.gfp_raw);
      EXPECT_TRUE(absl::StrContains(GfpText(a.gfp_raw), "GFP_NOWAIT")) << GfpText(a.gfp_raw);
      EXPECT_GT(a.bytes, 0u);
    }
  }
  EXPECT_TRUE(saw_blkg_alloc);

  // (b) every bio of the dd is charged to the cgroup's own, ready blkg.
  uint64_t bios = 0, bytes = 0, elsewhere = 0;
  for (const BlkgRecord& b : OfType<BlkgRecord>(records)) {
    if (b.cgroup != cgroup_->path() || b.disk != loop_->name() || b.kthread) continue;
    if (b.blkg_cgroup == cgroup_->path()) {
      // Snapshots are cumulative: the last one of a row holds the totals.
      bios = b.bios;
      bytes = b.bytes;
      EXPECT_TRUE(b.online);
      EXPECT_TRUE(b.has_stats);
    } else {
      elsewhere = b.bios;
    }
  }
  EXPECT_EQ(bios, static_cast<uint64_t>(kBlocks));
  EXPECT_EQ(bytes, kBlocks * kBlockSize);
  EXPECT_EQ(elsewhere, 0u);
  ExpectKernelAgrees(records, *cgroup_, loop_->device());

  // (c) the loop driver's work function ran, with a latency histogram.
  bool saw_loop_work = false;
  for (const WqRecord& w : OfType<WqRecord>(records)) {
    if (w.function != "loop_workfn" && w.function != "loop_rootcg_workfn") continue;
    saw_loop_work = true;
    EXPECT_GT(w.executed, 0u);
    uint64_t in_histogram = 0;
    for (uint64_t n : w.latency_log2) in_histogram += n;
    EXPECT_GT(in_histogram, 0u);
  }
  EXPECT_TRUE(saw_loop_work);

  // (d) nothing lost.
  std::vector<LostRecord> lost = OfType<LostRecord>(records);
  ASSERT_FALSE(lost.empty());
  EXPECT_EQ(lost.back().Total(), 0u);
  EXPECT_EQ(std::get<CaptureSummary>(records.back()).lost, 0u);
}

}  // namespace
}  // namespace submitwatch::testing
