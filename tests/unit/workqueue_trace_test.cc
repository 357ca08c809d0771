// The workqueue referee's parser (tests/kernel/workqueue_trace.cc), on lines
// as tracefs prints them.
#include "workqueue_trace.h"

#include <string>

#include "gtest/gtest.h"

namespace submitwatch::testing {
namespace {

// Recorded from a 6.18 kernel (trace_clock mono), trimmed; the activate line
// of 6.1 has no function.
constexpr char kTrace[] =
    "# tracer: nop\n"
    "#\n"
    "          <idle>-0       [001] d.h2. 100.000010: workqueue_queue_work: work "
    "struct=000000003597dcb5 function=tx_work workqueue=vsock req_cpu=256 cpu=1\n"
    "          <idle>-0       [001] d.h2. 100.000013: workqueue_activate_work: work struct "
    "000000003597dcb5 function=tx_work \n"
    "     kworker/1:1-29045   [001] ..... 100.000032: workqueue_execute_start: work struct "
    "000000003597dcb5: function tx_work\n"
    "     kworker/1:1-29045   [001] d..1. 100.000042: workqueue_queue_work: work "
    "struct=00000000c67fad4e function=send_work workqueue=vsock req_cpu=256 cpu=1\n"
    "     kworker/1:1-29045   [001] d..1. 100.000043: workqueue_activate_work: work struct "
    "00000000c67fad4e\n"
    "     kworker/1:1-29045   [001] ..... 100.000044: workqueue_execute_end: work struct "
    "000000003597dcb5: function tx_work\n"
    "     kworker/0:2-17      [000] ..... 100.000050: workqueue_execute_start: work struct "
    "00000000c67fad4e: function send_work\n"
    "     kworker/0:2-17      [000] ..... 100.000051: workqueue_execute_start: work struct "
    "0000000011111111: function send_work\n"
    "     kworker/0:2-17      [000] ..... 100.000080: workqueue_execute_end: work struct "
    "00000000c67fad4e: function send_work\n";

TEST(WorkqueueTrace, PairsQueueWithStartAndStartWithEndOfTheSameItem) {
  auto f = ParseWorkqueueTrace(kTrace, 0, UINT64_MAX);
  ASSERT_EQ(f.size(), 2u);
  const TracedWorkFunction& tx = f["tx_work"];
  EXPECT_EQ(tx.queued, 1u);
  EXPECT_EQ(tx.executed, 1u);
  EXPECT_EQ(tx.latencies, 1u);
  EXPECT_EQ(tx.latency_sum_ns, 22'000u);
  EXPECT_EQ(tx.latency_max_ns, 22'000u);
  EXPECT_EQ(tx.runtimes, 1u);
  EXPECT_EQ(tx.runtime_sum_ns, 12'000u);
  // Started on another CPU than it was queued on; the second start is of an
  // item never queued in the trace: executed, but no latency.
  const TracedWorkFunction& send = f["send_work"];
  EXPECT_EQ(send.queued, 1u);
  EXPECT_EQ(send.executed, 2u);
  EXPECT_EQ(send.latencies, 1u);
  EXPECT_EQ(send.latency_sum_ns, 8'000u);
  EXPECT_EQ(send.runtimes, 1u);
  EXPECT_EQ(send.runtime_sum_ns, 30'000u);
}

TEST(WorkqueueTrace, CountsOnlyEventsInsideTheWindow) {
  // From after tx_work's queue: its start has nothing to pair with.
  auto f = ParseWorkqueueTrace(kTrace, 100'000'020'000, 100'000'045'000);
  EXPECT_EQ(f["tx_work"].queued, 0u);
  EXPECT_EQ(f["tx_work"].executed, 1u);
  EXPECT_EQ(f["tx_work"].latencies, 0u);
  EXPECT_EQ(f["tx_work"].runtimes, 1u);
  EXPECT_EQ(f["send_work"].queued, 1u);
  EXPECT_EQ(f["send_work"].executed, 0u);
}

TEST(WorkqueueTrace, SkipsLinesThatAreNotWorkqueueEvents) {
  auto f = ParseWorkqueueTrace(
      "# entries-in-buffer/entries-written: 0/0   #P:2\n"
      "    sh-1  [000] ..... 5.000001: sched_process_exec: filename=/bin/sh pid=1\n"
      "garbage [x] 1.2: workqueue_queue_work: nothing\n",
      0, UINT64_MAX);
  EXPECT_TRUE(f.empty());
}

TEST(WorkqueueTrace, PairsAnEndOnAnotherCpuWithItsStart) {
  // A worker of an unbound workqueue slept mid-item and woke on CPU 1.
  auto f = ParseWorkqueueTrace(
      "  kworker/u4:1-9  [000] ..... 7.000010: workqueue_execute_start: work struct "
      "00000000aaaaaaaa: function loop_workfn\n"
      "  kworker/u4:1-9  [001] ..... 7.000110: workqueue_execute_end: work struct "
      "00000000aaaaaaaa: function loop_workfn\n",
      0, UINT64_MAX);
  EXPECT_EQ(f["loop_workfn"].runtimes, 1u);
  EXPECT_EQ(f["loop_workfn"].runtime_sum_ns, 100'000u);
}

TEST(WorkqueueTrace, FindsTheTimeOfAMarkerLine) {
  constexpr char kMarked[] =
      "              sh-812     [000] .....   100.000007: tracing_mark_write: submitwatch-start\n"
      "              sh-812     [001] .....   101.250000: tracing_mark_write: submitwatch-end\n";
  EXPECT_EQ(MarkerTimeNs(kMarked, "submitwatch-start"), 100'000'007'000u);
  EXPECT_EQ(MarkerTimeNs(kMarked, "submitwatch-end"), 101'250'000'000u);
  EXPECT_EQ(MarkerTimeNs(kMarked, "submitwatch"), std::nullopt);
  EXPECT_EQ(MarkerTimeNs(kTrace, "submitwatch-start"), std::nullopt);
}

}  // namespace
}  // namespace submitwatch::testing
