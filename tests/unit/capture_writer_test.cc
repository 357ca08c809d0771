#include "capture/capture_writer.h"

#include <string>

#include "absl/strings/match.h"
#include "capture/capture_decode.h"
#include "capture/json_parser.h"
#include "gtest/gtest.h"
#include "tests/unit/allocation_counter.h"
#include "tests/unit/capture_test_util.h"

namespace submitwatch {
namespace {

using testing_util::FullAlloc;
using testing_util::FullBlkg;
using testing_util::FullHeader;
using testing_util::FullLost;
using testing_util::FullSummary;
using testing_util::FullWq;
using testing_util::UserStackAlloc;
using testing_util::WorkerAlloc;

// The format is documented as stable: these lines are the contract.
TEST(CaptureWriterTest, HeaderLine) {
  EXPECT_EQ(
      CaptureWriter::FormatRecord(FullHeader()),
      R"({"type":"header","format":"submitwatch-capture","version":1,)"
      R"("tool_version":"0.1.0","host":"kvm-07","kernel":"6.1.0-18-amd64",)"
      R"("start_unix_ns":1700000000123456789,"start_monotonic_ns":5000000000,)"
      R"("cgroup_hierarchy":"v2 at /sys/fs/cgroup","all_allocs":true,"user_stacks":true,)"
      R"("hooks":[{"hook":"percpu_alloc","mode":"tracepoint","detail":"submit path from stack walk"},)"
      R"({"hook":"submit_bio","mode":"fentry","detail":""}],)"
      R"("blind_spots":["allocations under 64 bytes","kworker bios"]})");
}

TEST(CaptureWriterTest, AllocLineHasRawAndDerivedFields) {
  EXPECT_EQ(
      CaptureWriter::FormatRecord(FullAlloc()),
      R"({"type":"alloc","ts_ns":5000001000,"allocator":"percpu","failed":true,)"
      R"("is_atomic":false,"verdict":"UNSAFE","site":"blkg_alloc",)"
      R"("site_offset":"blkg_alloc+0x4f","gfp_raw":3264,"gfp":"GFP_KERNEL",)"
      R"("effective_gfp":"GFP_KERNEL","task_flags":2048,"context":"submit+reclaim",)"
      R"("context_bits":13,"work_func":"","size":48,"bytes":3072,)"
      R"("cgroup_id":18446744073709551615,"cgroup":"/machine.slice/vm-1",)"
      R"("pid":4242,"tid":4243,"comm":"qemu-kvm",)"
      R"("stack":["pcpu_alloc+0x1a","blkg_alloc+0x4f","blkg_create+0x2b0","submit_bio_noacct+0x1c7"]})");
}

// Only a record that has a user stack (--user-stacks) carries the fields:
// FullAlloc's line above has none.
TEST(CaptureWriterTest, UserStackFieldsFollowTheKernelStack) {
  const std::string line = CaptureWriter::FormatRecord(UserStackAlloc());
  const std::string tail =
      R"j("stack":["pcpu_alloc+0x1a","blkg_alloc+0x4f","blkg_create+0x2b0","submit_bio_noacct+0x1c7"],)j"
      R"j("user_stack":["__libc_pwrite64+0x12 (libc.so.6)","qemu-kvm+0x4a1f20","main+0x8c (qemu-kvm)"],)j"
      R"j("user_stack_fallback":"no_symbols"})j";
  ASSERT_GE(line.size(), tail.size());
  EXPECT_EQ(line.substr(line.size() - tail.size()), tail);
  // A stack of a process that was gone: no frames, but the reason.
  AllocRecord gone = FullAlloc();
  gone.user_stack_fallback = "exited";
  EXPECT_NE(CaptureWriter::FormatRecord(gone).find(R"("user_stack":[],"user_stack_fallback":"exited")"),
            std::string::npos);
}

// Captures written before --user-stacks existed: no "user_stacks" in the
// header, no user stack fields in alloc records; they read as before.
TEST(CaptureWriterTest, CapturesWithoutUserStacksStillRead) {
  absl::StatusOr<JsonValue> header = ParseJson(
      R"({"type":"header","format":"submitwatch-capture","version":1,"tool_version":"0.1.0",)"
      R"("host":"h","kernel":"k","start_unix_ns":1,"start_monotonic_ns":2,)"
      R"("cgroup_hierarchy":"v1","all_allocs":false,"hooks":[],"blind_spots":[]})");
  ASSERT_TRUE(header.ok());
  absl::StatusOr<Record> h = DecodeRecord(*header);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_FALSE(std::get<CaptureHeader>(*h).user_stacks);
  absl::StatusOr<JsonValue> alloc = ParseJson(CaptureWriter::FormatRecord(FullAlloc()));
  ASSERT_TRUE(alloc.ok());
  ASSERT_EQ(alloc->Find("user_stack"), nullptr);
  absl::StatusOr<Record> a = DecodeRecord(*alloc);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(std::get<AllocRecord>(*a).user_stack.empty());
  EXPECT_EQ(std::get<AllocRecord>(*a).user_stack_fallback, "");
  EXPECT_EQ(std::get<AllocRecord>(*a).stack, FullAlloc().stack);
}

TEST(CaptureWriterTest, WorkerAllocLine) {
  EXPECT_EQ(
      CaptureWriter::FormatRecord(WorkerAlloc()),
      R"({"type":"alloc","ts_ns":5000002000,"allocator":"slab","failed":false,)"
      R"("is_atomic":true,"verdict":"outside","site":"blkg_async_bio_workfn",)"
      R"("site_offset":"blkg_async_bio_workfn+0x10","gfp_raw":2048,"gfp":"GFP_NOWAIT",)"
      R"("effective_gfp":"GFP_NOWAIT","task_flags":524288,)"
      R"("context":"worker:blkg_async_bio_workfn","context_bits":2,)"
      R"("work_func":"blkg_async_bio_workfn","size":1,"bytes":8,"cgroup_id":1,)"
      R"("cgroup":"/","pid":7,"tid":7,"comm":"kworker/u8:2","stack":[]})");
}

TEST(CaptureWriterTest, BlkgLine) {
  EXPECT_EQ(CaptureWriter::FormatRecord(FullBlkg()),
            R"({"type":"blkg","ts_ns":5000003000,"first_seen_ns":5000000500,)"
            R"("state":"ready","cgroup_id":77,"cgroup":"/machine.slice/vm-1",)"
            R"("kthread":false,"dev_major":7,"dev_minor":3,"disk":"loop3",)"
            R"("blkg_cgroup_id":77,"blkg_cgroup":"/machine.slice/vm-1","online":true,)"
            R"("has_stats":true,"bios":1024,"bytes":4194304})");
  BlkgRecord fallback = FullBlkg();
  fallback.blkg_cgroup_id = 1;
  fallback.blkg_cgroup = "/";
  EXPECT_NE(CaptureWriter::FormatRecord(fallback).find(R"("state":"fallback")"),
            std::string::npos);
}

TEST(CaptureWriterTest, WqLine) {
  EXPECT_EQ(CaptureWriter::FormatRecord(FullWq()),
            R"({"type":"wq","ts_ns":5000004000,"function":"blkg_async_bio_workfn",)"
            R"("queued":10,"activated":9,"executed":8,"latency_max_ns":123456,)"
            R"("runtime_max_ns":6543,"latency_log2":[0,0,1,5,2],"runtime_log2":[3,0,7],)"
            R"("latency_sum_ns":40000,"runtime_sum_ns":30000})");
}

TEST(CaptureWriterTest, LostLine) {
  EXPECT_EQ(CaptureWriter::FormatRecord(FullLost()),
            R"({"type":"lost","ts_ns":5000005000,"counts":{"alloc":3,"ringbuf":12},"total":15})");
  EXPECT_EQ(CaptureWriter::FormatRecord(LostRecord{}),
            R"({"type":"lost","ts_ns":0,"counts":{},"total":0})");
}

TEST(CaptureWriterTest, SummaryLine) {
  EXPECT_EQ(CaptureWriter::FormatRecord(FullSummary()),
            R"({"type":"summary","ts_ns":5000006000,"duration_ns":6000,"events":42,)"
            R"("lost":15,"workload_exit":3,"evicted":{"cgroup":2000,"disk":20},)"
            R"("peak_map_entries":405,"program_runs":{"sw_percpu_alloc":120}})");
  EXPECT_EQ(CaptureWriter::FormatRecord(CaptureSummary{}),
            R"({"type":"summary","ts_ns":0,"duration_ns":0,"events":0,"lost":0,)"
            R"("workload_exit":-1,"evicted":{},"peak_map_entries":0,"program_runs":{}})");
}

TEST(CaptureWriterTest, SummaryWithoutEvictionFieldsStillReads) {
  // Captures written before map eviction existed lack both fields.
  absl::StatusOr<JsonValue> line = ParseJson(
      R"({"type":"summary","ts_ns":1,"duration_ns":2,"events":3,"lost":0,"workload_exit":0})");
  ASSERT_TRUE(line.ok());
  absl::StatusOr<Record> r = DecodeRecord(*line);
  ASSERT_TRUE(r.ok()) << r.status();
  const CaptureSummary& s = std::get<CaptureSummary>(*r);
  EXPECT_TRUE(s.evicted.empty());
  EXPECT_EQ(s.peak_map_entries, 0u);
  EXPECT_TRUE(s.program_runs.empty());
  EXPECT_EQ(s.events, 3u);
}

TEST(CaptureWriterTest, InvalidUtf8AndControlBytesBecomeValidJson) {
  AllocRecord alloc = FullAlloc();
  alloc.comm = "bad\xFF\xFEname\x01";
  alloc.cgroup = "/a\"b\\c\nd\xC3";
  const std::string line = CaptureWriter::FormatRecord(alloc);
  EXPECT_NE(line.find(R"("comm":"bad)" "\xEF\xBF\xBD\xEF\xBF\xBD" R"(name\u0001")"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find(R"("cgroup":"/a\"b\\c\nd)" "\xEF\xBF\xBD" R"(")"), std::string::npos)
      << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
  absl::StatusOr<JsonValue> parsed = ParseJson(line);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed->Find("comm")->AsString(), "bad\xEF\xBF\xBD\xEF\xBF\xBDname\x01");
  EXPECT_EQ(*parsed->Find("cgroup")->AsString(), "/a\"b\\c\nd\xEF\xBF\xBD");
}

TEST(CaptureWriterTest, AppendLineAddsTheLineAndANewline) {
  CaptureWriter writer;
  std::string out = "before\n";
  writer.AppendLine(FullHeader(), out);
  writer.AppendLine(FullAlloc(), out);
  EXPECT_EQ(out, "before\n" + CaptureWriter::FormatRecord(FullHeader()) + "\n" +
                     CaptureWriter::FormatRecord(FullAlloc()) + "\n");
}

// The per-event path: once the writer's scratch and the buffer have room,
// formatting an allocation record allocates nothing.
TEST(CaptureWriterTest, AppendLineAllocatesNothingOnceWarm) {
  AllocRecord alloc = FullAlloc();
  alloc.stack = {"pcpu_alloc_noprof+0x656", "blkg_alloc+0x7b", "blkg_create+0x307",
                 "bio_associate_blkg_from_css+0x209", "submit_bio_noacct+0x1f0"};
  const Record record(alloc);
  CaptureWriter writer;
  std::string out;
  out.reserve(1 << 20);
  writer.AppendLine(record, out);
  uint64_t allocations = 0;
  {
    testing_util::CountAllocations count;
    for (int i = 0; i < 20000; ++i) {
      // As the capture stream hands its buffer over: emptied, capacity kept.
      if (out.size() > (512 << 10)) out.clear();
      writer.AppendLine(record, out);
    }
    allocations = count.count();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_TRUE(absl::EndsWith(out, CaptureWriter::FormatRecord(record) + "\n"));
}

}  // namespace
}  // namespace submitwatch
