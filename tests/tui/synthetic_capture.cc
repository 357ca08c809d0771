#include "synthetic_capture.h"

#include <fstream>
#include <vector>

#include "capture/capture_writer.h"
#include "model/records.h"

namespace submitwatch::testing {
namespace {

using namespace synthetic;  // NOLINT: the constants of this capture

constexpr uint64_t kStart = 1'000'000'000;  // CLOCK_MONOTONIC at "record" start
constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kGfpKernel = 0xcc0;   // __GFP_IO|__GFP_FS|__GFP_RECLAIM
constexpr uint64_t kGfpNowait = 0x800;   // __GFP_KSWAPD_RECLAIM

std::vector<uint64_t> Log2(std::initializer_list<std::pair<int, uint64_t>> buckets) {
  std::vector<uint64_t> out(40, 0);
  for (const auto& [i, n] : buckets) out[i] = n;
  return out;
}

AllocRecord Alloc(uint64_t ts, const char* site, const char* cgroup, uint64_t cgroup_id,
                  const char* comm, bool atomic, uint64_t gfp) {
  AllocRecord a;
  a.ts_ns = ts;
  a.allocator = Allocator::kPercpu;
  a.is_atomic = atomic;
  a.site = site;
  a.site_offset = std::string(site) + "+0x4f";
  a.gfp_raw = gfp;
  a.context = kContextSubmit;
  a.size = 160;
  a.bytes = 160 * 4;
  a.cgroup_id = cgroup_id;
  a.cgroup = cgroup;
  a.pid = 4242;
  a.tid = 4242;
  a.comm = comm;
  a.stack = {std::string(site) + "+0x4f", "blkg_create+0x90", "bio_associate_blkg_from_css+0x3a",
             "submit_bio_noacct+0x13c", "submit_bio+0x20"};
  return a;
}

BlkgRecord Blkg(uint64_t ts, const char* cgroup, uint64_t cgroup_id, const char* blkg_cgroup,
                uint64_t blkg_cgroup_id, bool ready, uint64_t bios) {
  BlkgRecord b;
  b.ts_ns = ts;
  b.first_seen_ns = kStart + 100 * kMs;
  b.cgroup_id = cgroup_id;
  b.cgroup = cgroup;
  b.dev_major = 7;
  b.dev_minor = 7;
  b.disk = kDisk;
  b.blkg_cgroup_id = blkg_cgroup_id;
  b.blkg_cgroup = blkg_cgroup;
  b.online = ready;
  b.has_stats = ready;
  b.bios = bios;
  b.bytes = bios * 4096;
  return b;
}

}  // namespace

bool WriteSyntheticCapture(const std::string& path) {
  std::vector<Record> records;
  CaptureHeader header;
  header.tool_version = "0.1.0";
  header.host = kHost;
  header.kernel = kKernel;
  header.start_unix_ns = 1'700'000'000'000'000'000;
  header.start_monotonic_ns = kStart;
  header.cgroup_hierarchy = "v1 blkio at /sys/fs/cgroup/blkio";
  header.hooks = {{"percpu_alloc", "tracepoint",
                   std::string("submit path found from the kernel stack (an inlined caller is "
                               "missed); ") + kBlindSpotTail},
                  {"block_bio_queue", "tracepoint", "bios of kernel threads are counted apart"},
                  {"workqueue", "tracepoint", "none"}};
  header.blind_spots = {std::string("percpu_alloc: submit path found from the kernel stack (an "
                                    "inlined caller is missed); ") + kBlindSpotTail,
                        "block_bio_queue: bios of kernel threads are counted apart"};
  records.push_back(header);

  // The fresh cgroup's blkg is made in the submit path, atomically.
  for (int i = 0; i < kAtomicCount; ++i) {
    records.push_back(Alloc(kStart + (100 + i) * kMs, "blkg_alloc", kReadyCgroup, 101,
                            kAtomicComm, true, kGfpNowait));
  }
  // The seed deadlock's shape: a sleeping per-cpu allocation while
  // submitting, from reclaim. Two distinct stacks.
  for (int i = 0; i < kUnsafeCount; ++i) {
    AllocRecord a = Alloc(kStart + (200 + i) * kMs, kUnsafeSite, kFallbackCgroup, 102,
                          kUnsafeComm, false, kGfpKernel);
    a.context = kContextSubmit | kContextReclaim;
    a.task_flags = kTaskMemalloc;
    a.stack = {"throtl_pd_alloc+0x57", "blkg_alloc+0x170", kUnsafeFrame,
               i == 0 ? kUnsafeOtherFrame : "submit_bio_noacct+0x13c", "submit_bio+0x20"};
    records.push_back(a);
  }
  // A failed allocation: the cgroup's stats never became ready.
  AllocRecord failed = Alloc(kStart + 300 * kMs, "blkg_alloc", kFailedCgroup, 103, "postgres",
                             true, kGfpNowait);
  failed.failed = true;
  records.push_back(failed);
  // Deferred to a worker: outside the submit path.
  AllocRecord worker = Alloc(kStart + 310 * kMs, "blkg_alloc", "/", 1, "kworker/0:1", false,
                             kGfpKernel);
  worker.context = kContextWorker;
  worker.work_func = kPercpuWork;
  records.push_back(worker);

  records.push_back(Blkg(kStart + 500 * kMs, kReadyCgroup, 101, kReadyCgroup, 101, true, 64));
  records.push_back(Blkg(kStart + 500 * kMs, kFallbackCgroup, 102, "/", 1, true, 10));
  records.push_back(Blkg(kStart + 500 * kMs, kPendingCgroup, 104, kPendingCgroup, 104, false, 2));

  WqRecord loop;
  loop.ts_ns = kStart + 500 * kMs;
  loop.function = kLoopWork;
  loop.queued = loop.activated = loop.executed = 251;
  loop.latency_max_ns = 19'100;
  loop.runtime_max_ns = 32'800;
  loop.latency_log2 = Log2({{11, 200}, {12, 50}, {14, 1}});
  loop.runtime_log2 = Log2({{13, 240}, {15, 11}});
  records.push_back(loop);
  WqRecord percpu = loop;
  percpu.function = kPercpuWork;
  percpu.queued = percpu.activated = percpu.executed = 12;
  percpu.latency_log2 = Log2({{16, 12}});
  percpu.runtime_log2 = Log2({{18, 12}});
  percpu.latency_max_ns = 120'000;
  percpu.runtime_max_ns = 400'000;
  records.push_back(percpu);
  WqRecord quiet = loop;
  quiet.function = kQuietWork;
  quiet.queued = quiet.activated = quiet.executed = 3;
  quiet.latency_log2 = Log2({{13, 3}});
  quiet.runtime_log2 = Log2({{12, 3}});
  quiet.latency_max_ns = 14'900;
  quiet.runtime_max_ns = 5'400;
  records.push_back(quiet);

  LostRecord lost;
  lost.ts_ns = kStart + 500 * kMs;
  lost.counts = {{"alloc", 0}};
  records.push_back(lost);
  CaptureSummary summary;
  summary.ts_ns = kStart + 600 * kMs;
  summary.duration_ns = 600 * kMs;
  summary.events = kAtomicCount + kUnsafeCount + 2;
  summary.workload_exit = 0;
  records.push_back(summary);

  std::ofstream out(path);
  for (const Record& r : records) out << CaptureWriter::FormatRecord(r) << "\n";
  out.close();
  return static_cast<bool>(out);
}

}  // namespace submitwatch::testing
