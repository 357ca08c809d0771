// End to end on the real kernel: a fresh cgroup does direct IO to a fresh loop
// device while `submitwatch record` runs; the capture must show exactly what
// the test caused.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
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
#include "trace_instance.h"
#include "workqueue_trace.h"

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

// The workqueue programs against the kernel's own trace of the same work
// items: the loop driver's work for a dd, counted and timed by both. Holds
// the tool's queue/start pairing (a hashed slot, two tagged time words) and
// its per-CPU bookkeeping (counts left for activate_work, the item a worker
// runs) to what the kernel says happened.
TEST_F(RecordTest, WorkqueueCountsAndTimesAgreeWithTheKernelsOwnTrace) {
  absl::StatusOr<std::unique_ptr<TraceInstance>> trace =
      TraceInstance::Start({"workqueue/workqueue_queue_work", "workqueue/workqueue_execute_start",
                            "workqueue/workqueue_execute_end"},
                           "mono");
  ASSERT_TRUE(trace.ok()) << trace.status();
  // The workload marks the trace where it starts and ends: the span
  // compared, inside the time the tool is attached, without relating the
  // trace's clock to the capture's. The sleep after dd: the loop worker ends
  // its last item after dd's last write completes.
  const std::string marker = ShellQuote((*trace)->MarkerPath());
  const std::string script = absl::StrCat(
      "echo $$ > ", ShellQuote(cgroup_->dir() + "/cgroup.procs"),
      " && echo submitwatch-start > ", marker, " && dd if=/dev/zero of=",
      ShellQuote(loop_->device()), " bs=", kBlockSize, " count=", kBlocks,
      " oflag=direct status=none && sleep 0.5 && echo submitwatch-end > ", marker);
  CommandResult r = RunCommand(SubmitwatchCommand(
      "record", {"-o", capture_, "--interval", "200ms", "--", "sh", "-c", script}));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  absl::StatusOr<std::string> text = (*trace)->StopAndRead();
  ASSERT_TRUE(text.ok()) << text.status();
  auto records = CaptureReader::ReadAll(capture_);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_TRUE(std::holds_alternative<CaptureSummary>(records->back()));
  const CaptureSummary& summary = std::get<CaptureSummary>(records->back());
  const std::optional<uint64_t> from = MarkerTimeNs(*text, "submitwatch-start");
  const std::optional<uint64_t> to = MarkerTimeNs(*text, "submitwatch-end");
  ASSERT_TRUE(from && to) << "the workload's marks are not in the trace";
  const std::map<std::string, TracedWorkFunction> traced = ParseWorkqueueTrace(*text, *from, *to);

  std::map<std::string, WqRecord> last;  // rows are cumulative
  for (const WqRecord& w : OfType<WqRecord>(*records)) last[w.function] = w;
  int compared = 0;
  for (const char* function : {"loop_workfn", "loop_rootcg_workfn"}) {
    auto t = traced.find(function);
    if (t == traced.end()) continue;
    SCOPED_TRACE(function);
    ++compared;
    auto w = last.find(function);
    ASSERT_NE(w, last.end()) << "the trace has " << t->second.executed << " runs, the tool none";
    const TracedWorkFunction& k = t->second;
    EXPECT_EQ(w->second.queued, k.queued);
    EXPECT_EQ(w->second.executed, k.executed);
    uint64_t latencies = 0, runtimes = 0;
    for (uint64_t n : w->second.latency_log2) latencies += n;
    for (uint64_t n : w->second.runtime_log2) runtimes += n;
    printf("SUBMITWATCH-REFEREE workqueue trace function=%s tool: queued=%llu executed=%llu "
           "latencies=%llu sum=%lluns max=%lluns runtimes=%llu sum=%lluns kernel: queued=%llu "
           "executed=%llu latencies=%llu sum=%lluns max=%lluns runtimes=%llu sum=%lluns\n",
           function, (unsigned long long)w->second.queued, (unsigned long long)w->second.executed,
           (unsigned long long)latencies, (unsigned long long)w->second.latency_sum_ns,
           (unsigned long long)w->second.latency_max_ns, (unsigned long long)runtimes,
           (unsigned long long)w->second.runtime_sum_ns, (unsigned long long)k.queued,
           (unsigned long long)k.executed, (unsigned long long)k.latencies,
           (unsigned long long)k.latency_sum_ns, (unsigned long long)k.latency_max_ns,
           (unsigned long long)k.runtimes, (unsigned long long)k.runtime_sum_ns);
    EXPECT_EQ(latencies, k.latencies);
    EXPECT_EQ(runtimes, k.runtimes);
    // tracefs prints microseconds: each traced time is up to 1 us early, so
    // each traced duration is off by less than 1 us either way. The trace
    // event and the program run at different moments of the same
    // tracepoint, well under 1 us apart here: 5 us per item, 25 us at
    // least, or 2 % of the value where that is more. Under qemu's software
    // emulation (scripts/qemu-test), the guest's vCPUs share one thread,
    // which may pause a vCPU for a time slice between the two: one item's
    // latency differed by 200 us (6.12, 538 us against the trace's 736 us).
    // There the times are held only to 1 ms per item, which still catches
    // a time taken from the wrong word or the wrong run; the counts stay
    // exact.
    const bool emulated = getenv("SUBMITWATCH_TEST_EMULATED") != nullptr;
    const uint64_t per_item = emulated ? 1'000'000 : 5'000;
    const auto within = [&](uint64_t tool, uint64_t kernel, uint64_t items) {
      const uint64_t slack = std::max({5 * per_item, per_item * items, kernel / 50});
      return (tool > kernel ? tool - kernel : kernel - tool) <= slack;
    };
    EXPECT_TRUE(within(w->second.latency_sum_ns, k.latency_sum_ns, k.latencies))
        << "tool " << w->second.latency_sum_ns << " ns, trace " << k.latency_sum_ns << " ns";
    EXPECT_TRUE(within(w->second.latency_max_ns, k.latency_max_ns, 1))
        << "tool " << w->second.latency_max_ns << " ns, trace " << k.latency_max_ns << " ns";
    EXPECT_TRUE(within(w->second.runtime_sum_ns, k.runtime_sum_ns, k.runtimes))
        << "tool " << w->second.runtime_sum_ns << " ns, trace " << k.runtime_sum_ns << " ns";
  }
  if (compared == 0) {
    // What the trace did hold, in the capture's span and in all.
    std::string seen;
    for (const auto& [fn, t] : traced) absl::StrAppend(&seen, " ", fn, "=", t.executed);
    std::string all;
    for (const auto& [fn, t] : ParseWorkqueueTrace(*text, 0, UINT64_MAX)) {
      absl::StrAppend(&all, " ", fn, "=", t.executed);
    }
    ADD_FAILURE() << "no loop work in the trace; marked span [" << *from << ", " << *to
                  << "] ns, " << text->size()
                  << " bytes of trace; in the span:" << seen << "; in all:" << all
                  << "; the trace's last lines:\n"
                  << text->substr(text->size() > 2000 ? text->size() - 2000 : 0);
  }
  EXPECT_EQ(summary.lost, 0u);
}

}  // namespace
}  // namespace submitwatch::testing
