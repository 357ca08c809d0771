#include "synthetic_exporter.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace submitwatch::bench {
namespace {

constexpr const char* kDisks[] = {"nvme0n1", "nvme1n1", "sda", "vdb"};
constexpr size_t kDiskCount = sizeof(kDisks) / sizeof(kDisks[0]);
constexpr uint64_t kSnapshotNs = 1'000'000'000;

// A kubelet-style path: the long label values a container host has.
std::string PodPath(size_t i) {
  return absl::StrFormat(
      "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%08x.slice/"
      "cri-containerd-%016x.scope",
      0x5a3c0000u + i, 0xc0ffee0000000000ull + i * 7919);
}

}  // namespace

SyntheticExporter::SyntheticExporter(size_t pairs, size_t functions)
    : pairs_(pairs), functions_(functions) {
  CaptureHeader header;
  header.tool_version = "bench";
  header.kernel = "6.18.0-bench";
  for (const char* hook : {"percpu_alloc", "block_bio_queue", "workqueue", "cgroup_lifecycle",
                           "submit_path", "blk_throtl", "blkg_assoc"}) {
    header.hooks.push_back({hook, "fentry", ""});
  }
  model_.Add(header);
  tool_.version = header.tool_version;
  tool_.kernel = header.kernel;
  tool_.hooks = header.hooks;
  std::vector<BpfProgramCost> programs;
  for (int i = 0; i < 12; ++i) programs.push_back({absl::StrCat("sw_program_", i), 0, 0});
  tool_.bpf_programs = programs;
  // Allocation groups: 24 sites x 3 verdicts, in a few cgroups each.
  for (int site = 0; site < 24; ++site) {
    for (uint32_t context : {kContextSubmit, kContextWorker, kContextSubmit | kContextReclaim}) {
      for (int cg = 0; cg < 4; ++cg) {
        AllocRecord a;
        a.ts_ns = 1;
        a.site = absl::StrCat("alloc_site_", site);
        a.context = context;
        a.work_func = context == kContextWorker ? "blkg_async_bio_workfn" : "";
        a.gfp_raw = context == kContextSubmit ? 0x800 : 0xcc0;
        a.cgroup_id = 1000 + cg;
        a.cgroup = PodPath(cg);
        a.comm = "containerd-shim";
        a.bytes = 480;
        model_.Add(a);
      }
    }
  }
  Advance();
}

void SyntheticExporter::Advance() {
  ++snapshot_;
  const uint64_t ts = snapshot_ * kSnapshotNs;
  for (size_t i = 0; i < pairs_; ++i) {
    const size_t cg = i / kDiskCount;
    const size_t disk = i % kDiskCount;
    BlkgRecord r;
    r.ts_ns = ts;
    r.first_seen_ns = 1000 + i;
    r.cgroup_id = 1000 + cg;
    r.cgroup = PodPath(cg);
    r.dev_major = 259;
    r.dev_minor = static_cast<uint32_t>(disk);
    r.disk = kDisks[disk];
    // Every tenth pair is charged to the root's blkg.
    const bool fallback = i % 10 == 9;
    r.blkg_cgroup_id = fallback ? 1 : r.cgroup_id;
    r.blkg_cgroup = fallback ? "/" : r.cgroup;
    r.online = true;
    r.has_stats = true;
    r.bios = snapshot_ * (i + 1) * 17;
    r.bytes = r.bios * 4096;
    model_.Add(r);
  }
  for (size_t i = 0; i < functions_; ++i) {
    WqRecord w;
    w.ts_ns = ts;
    w.function = absl::StrCat("driver_work_fn_", i);
    w.queued = snapshot_ * (i + 3) * 11;
    w.activated = w.queued;
    w.executed = w.queued;
    w.latency_log2.assign(40, 0);
    w.runtime_log2.assign(40, 0);
    for (int b = 8; b < 22; ++b) {
      w.latency_log2[b] = w.executed >> (b - 7);
      w.runtime_log2[b + 2] = w.executed >> (b - 6);
    }
    w.latency_sum_ns = w.executed * 4000;
    w.runtime_sum_ns = w.executed * 30000;
    model_.Add(w);
  }
}

MetricsSnapshot SyntheticExporter::Publish() {
  MetricsSnapshot now = tool_;
  now.events = snapshot_ * 1000;
  for (BpfProgramCost& p : *now.bpf_programs) {
    p.runs = snapshot_ * 100000;
    p.run_time_ns = snapshot_ * 9'000'000;
  }
  now.snapshot_unix_ns = static_cast<int64_t>(1'700'000'000ull * kSnapshotNs + snapshot_ * kSnapshotNs);
  return series_.Snapshot(model_, std::move(now));
}

}  // namespace submitwatch::bench
