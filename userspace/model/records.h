// Decoded, symbolized records: what the collector produces from BPF events and
// map snapshots, what the capture file stores, and what the model consumes.
// Live mode, replay and tests all speak these types; no I/O here.
#ifndef SUBMITWATCH_MODEL_RECORDS_H_
#define SUBMITWATCH_MODEL_RECORDS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace submitwatch {

enum class Allocator { kPercpu, kSlab, kPage };

// Context bits; values match SW_CTX_* in bpf/events.h (checked by the
// collector, which decodes one into the other).
inline constexpr uint32_t kContextSubmit = 0x1;
inline constexpr uint32_t kContextWorker = 0x2;
inline constexpr uint32_t kContextReclaim = 0x4;
inline constexpr uint32_t kContextBioList = 0x8;

// task_struct::flags bits that matter here; values match SW_PF_* in
// bpf/events.h (checked likewise).
inline constexpr uint32_t kTaskMemalloc = 0x00000800;
inline constexpr uint32_t kTaskKswapd = 0x00020000;
inline constexpr uint32_t kTaskMemallocNofs = 0x00040000;
inline constexpr uint32_t kTaskMemallocNoio = 0x00080000;

// One per-cpu (or, with other hooks, slab/page) allocation worth reporting.
struct AllocRecord {
  uint64_t ts_ns = 0;  // CLOCK_MONOTONIC
  Allocator allocator = Allocator::kPercpu;
  bool failed = false;
  bool is_atomic = false;   // the allocator's own "cannot sleep" decision
  std::string site;         // call-site function, e.g. "blkg_alloc"
  std::string site_offset;  // call site with offset, e.g. "blkg_alloc+0x4f"
  uint64_t gfp_raw = 0;     // gfp flags as passed by the caller
  uint32_t task_flags = 0;  // task_struct::flags of the allocating task
  uint32_t context = 0;     // kContext* bits
  std::string work_func;    // set when context has kContextWorker
  uint64_t size = 0;
  uint64_t bytes = 0;       // bytes actually allocated (all CPUs)
  uint64_t cgroup_id = 0;
  std::string cgroup;       // path inside the io/blkio hierarchy, "/" = root
  uint32_t pid = 0;
  uint32_t tid = 0;
  std::string comm;
  std::vector<std::string> stack;  // innermost first, "func+0xoff"
  // --user-stacks: the allocating task's user stack, innermost first (it
  // continues the kernel stack downwards: the syscall's caller first, main
  // near the end): "func+0xoff (module)" where symbolized, else
  // "module+0xoff" or a bare "0x..." address. Empty without the option and
  // for kernel threads.
  std::vector<std::string> user_stack;
  // Why not every frame is symbolized (names::kUserStack*); empty when all are.
  std::string user_stack_fallback;
};

// Cumulative bio counters for one (submitting cgroup, disk, charged blkg) row,
// as read from the kernel's per-CPU map at ts_ns. Later snapshots of the same
// row replace earlier ones.
struct BlkgRecord {
  uint64_t ts_ns = 0;
  uint64_t first_seen_ns = 0;  // first bio of this row
  uint64_t cgroup_id = 0;      // submitting task's cgroup; 0 for kernel threads
  std::string cgroup;
  bool kthread = false;        // submitted by a kernel thread
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  std::string disk;            // "loop0"
  uint64_t blkg_cgroup_id = 0;  // cgroup owning the blkg the bios were charged to
  std::string blkg_cgroup;
  bool online = false;     // blkg->online at first sight
  bool has_stats = false;  // blkg per-cpu stats existed at first sight
  uint64_t bios = 0;
  uint64_t bytes = 0;
};

// The identity of a blkg row: later snapshots with the same key replace
// earlier ones. The collector folds the kernel's entries into one row per key.
struct BlkgRowKey {
  uint64_t cgroup_id = 0;
  bool kthread = false;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  uint64_t blkg_cgroup_id = 0;

  static BlkgRowKey Of(const BlkgRecord& r) {
    return {r.cgroup_id, r.kthread, r.dev_major, r.dev_minor, r.blkg_cgroup_id};
  }
  friend bool operator==(const BlkgRowKey&, const BlkgRowKey&) = default;
  // Three words instead of five fields: hashed per snapshot row, and each
  // field combined costs a multiplication.
  template <typename H>
  friend H AbslHashValue(H h, const BlkgRowKey& k) {
    return H::combine(std::move(h), k.cgroup_id ^ (uint64_t{k.kthread} << 63),
                      uint64_t{k.dev_major} << 32 | k.dev_minor, k.blkg_cgroup_id);
  }
};

// Cumulative statistics of one work function, aggregated in the kernel.
struct WqRecord {
  uint64_t ts_ns = 0;
  std::string function;
  uint64_t queued = 0;
  uint64_t activated = 0;
  uint64_t executed = 0;
  uint64_t latency_max_ns = 0;
  uint64_t runtime_max_ns = 0;
  // Log2 buckets: index i counts values in [2^i, 2^(i+1)) ns; the last
  // also counts everything above.
  std::vector<uint64_t> latency_log2;
  std::vector<uint64_t> runtime_log2;
  // The sums of the values the histograms count; 0 in captures written
  // before they were recorded.
  uint64_t latency_sum_ns = 0;
  uint64_t runtime_sum_ns = 0;
};

// Cumulative throttle decisions for the blkg of one (cgroup, disk), from the
// throttle entry hook (fentry/kprobe modes only).
struct ThrottleRecord {
  uint64_t ts_ns = 0;
  uint64_t cgroup_id = 0;  // cgroup owning the blkg
  std::string cgroup;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  std::string disk;
  uint64_t throttled = 0;      // bios the throttle queued
  uint64_t passed = 0;         // bios it let through at once
  uint64_t queued_ns = 0;      // total time queued bios waited
  uint64_t queued_max_ns = 0;
};

// The reasons LostRecord counts, as the capture and the report name them:
// one per lost slot of the kernel, indexed as SW_LOST_* in bpf/events.h (the
// collector checks both at compile time), and the events the collector itself
// could not decode.
inline constexpr std::array<std::string_view, 6> kLostSlotNames = {
    "alloc", "blkg_seen", "wq_pending", "submit_depth", "cgroup", "bio_table_full"};
inline constexpr std::string_view kLostMalformed = "malformed";

// Cumulative counts of events the tool could not deliver, by reason.
struct LostRecord {
  uint64_t ts_ns = 0;
  std::map<std::string, uint64_t> counts;  // by kLostSlotNames, kLostMalformed
  uint64_t Total() const {
    uint64_t total = 0;
    for (const auto& [reason, n] : counts) total += n;
    return total;
  }
};

// How a hook is attached on this host, and what that mode cannot see.
struct HookMode {
  std::string hook;   // e.g. "percpu_alloc"
  std::string mode;   // "fentry" | "kprobe" | "tracepoint" | "unavailable"
  std::string detail; // why, or what the mode cannot see
};

struct CaptureHeader {
  std::string format = "submitwatch-capture";
  int version = 1;
  std::string tool_version;
  std::string host;
  std::string kernel;
  int64_t start_unix_ns = 0;      // wall clock at start
  uint64_t start_monotonic_ns = 0;  // CLOCK_MONOTONIC at start (ts_ns base)
  std::string cgroup_hierarchy;   // "v1 blkio at /sys/fs/cgroup/blkio" ...
  bool all_allocs = false;
  bool user_stacks = false;  // alloc records carry user stacks (--user-stacks)
  std::vector<HookMode> hooks;
  std::vector<std::string> blind_spots;  // what the chosen modes cannot see
};

struct CaptureSummary {
  uint64_t ts_ns = 0;
  uint64_t duration_ns = 0;
  uint64_t events = 0;  // ring-buffer events received
  uint64_t lost = 0;    // events the kernel or the tool dropped
  int workload_exit = -1;  // exit status of `record -- CMD`, -1 when none
  // Kernel map entries deleted while recording because their cgroup or disk
  // went away ({"cgroup": n, "disk": m}); their counts stay in the rows.
  std::map<std::string, uint64_t> evicted;
  uint64_t peak_map_entries = 0;  // most bio-counter entries held at once
  // Runs of each BPF program while attached, when the kernel's run-time
  // statistics were on (sysctl kernel.bpf_stats_enabled); empty otherwise.
  std::map<std::string, uint64_t> program_runs;
};

using Record = std::variant<CaptureHeader, AllocRecord, BlkgRecord, WqRecord,
                            LostRecord, CaptureSummary, ThrottleRecord>;

}  // namespace submitwatch

#endif  // SUBMITWATCH_MODEL_RECORDS_H_
