// Turns what the BPF programs produce into decoded records: ring-buffer events
// (rare: allocations, first sight of a blkg) as they come, and the per-CPU
// counter maps (hot: bios, work items) on each Snapshot(). Records go to one
// sink callback; the collector keeps no tables beyond what decoding needs.
#ifndef SUBMITWATCH_COLLECTOR_COLLECTOR_H_
#define SUBMITWATCH_COLLECTOR_COLLECTOR_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "bpf/events.h"
#include "loader/bpf_session.h"
#include "model/records.h"
#include "symbols/cgroup_paths.h"
#include "symbols/disk_names.h"
#include "symbols/kernel_symbols.h"

struct ring_buffer;

namespace submitwatch {

class Collector {
 public:
  using Sink = std::function<void(const Record&)>;
  struct Sources {
    const KernelSymbols* symbols;
    CgroupPaths* cgroups;
    DiskNames* disks;
  };

  static absl::StatusOr<std::unique_ptr<Collector>> Create(const BpfSession& session,
                                                           Sources sources, Sink sink);
  ~Collector();

  // Consumes the ring buffer, waiting up to timeout_ms for data. Returns the
  // number of events consumed; EINTR is not an error (0 events).
  absl::StatusOr<int> Poll(int timeout_ms);
  // Drains the ring buffer without waiting.
  absl::StatusOr<int> Drain();
  // Reads the counter maps; emits the rows that changed since the last call.
  absl::Status Snapshot(uint64_t now_ns);

  uint64_t events() const { return events_; }
  uint64_t lost() const { return lost_total_; }

  static uint64_t MonotonicNowNs();

 private:
  struct BlkgMeta {
    uint64_t first_seen_ns = 0;
    BlkgRecord row;  // identity fields; counts filled per snapshot
  };
  struct BlkgKeyHash {
    size_t operator()(const sw_blkg_key& k) const;
  };
  struct BlkgKeyEq {
    bool operator()(const sw_blkg_key& a, const sw_blkg_key& b) const {
      return a.blkg == b.blkg && a.task_cgroup_id == b.task_cgroup_id;
    }
  };

  Collector(const BpfSession& session, Sources sources, Sink sink);
  static int OnEvent(void* ctx, void* data, size_t size);
  int HandleEvent(const void* data, size_t size);
  void HandleAlloc(const sw_alloc_event& e);
  void HandleBlkgSeen(const sw_blkg_seen_event& e);
  absl::Status SnapshotBlkgs(uint64_t now_ns);
  absl::Status SnapshotWorkqueues(uint64_t now_ns);
  absl::Status SnapshotLost(uint64_t now_ns);
  absl::Status SnapshotThrottle(uint64_t now_ns);

  const BpfSession& session_;
  Sources sources_;
  Sink sink_;
  ring_buffer* ring_ = nullptr;
  int nr_cpus_ = 0;
  uint64_t events_ = 0;
  uint64_t malformed_ = 0;
  uint64_t lost_total_ = 0;
  absl::flat_hash_map<sw_blkg_key, BlkgMeta, BlkgKeyHash, BlkgKeyEq> blkgs_;
  absl::flat_hash_map<sw_blkg_key, sw_blkg_counters, BlkgKeyHash, BlkgKeyEq> blkg_emitted_;
  absl::flat_hash_map<uint64_t, std::pair<uint64_t, uint64_t>> wq_emitted_;  // queued, executed
  absl::flat_hash_map<uint64_t, std::string> work_func_names_;
  absl::flat_hash_map<uint64_t, std::pair<uint64_t, uint64_t>> throttle_emitted_;  // throttled, passed
  LostRecord last_lost_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_COLLECTOR_COLLECTOR_H_
