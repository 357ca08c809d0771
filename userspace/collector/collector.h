// Turns what the BPF programs produce into decoded records: ring-buffer events
// (rare: allocations, first sight of a blkg) as they come, and the per-CPU
// counter maps (hot: bios, work items) on each Snapshot(). Records go to one
// sink callback; the collector keeps no tables beyond what decoding needs.
#ifndef SUBMITWATCH_COLLECTOR_COLLECTOR_H_
#define SUBMITWATCH_COLLECTOR_COLLECTOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "bpf/events.h"
#include "collector/blkg_rows.h"
#include "collector/blkg_fold.h"
#include "collector/blkg_slots.h"
#include "collector/blkg_table.h"
#include "collector/map_reader.h"
#include "loader/bpf_session.h"
#include "model/records.h"
#include "symbols/cgroup_paths.h"
#include "symbols/disk_names.h"
#include "symbols/kernel_symbols.h"
#include "symbols/user_symbols.h"

struct ring_buffer;

namespace submitwatch {

class Collector {
 public:
  using Sink = std::function<void(const Record&)>;
  struct Sources {
    const KernelSymbols* symbols;
    CgroupPaths* cgroups;
    DiskNames* disks;
    // --user-stacks: symbolizes the user stacks alloc events carry; null
    // without the option.
    UserSymbolizer* user_symbols = nullptr;
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
  // The programs are detached: the snapshots from now on also count the
  // work items queued whose count the workqueue programs had left in their
  // per-CPU state (events.h, sw_current_work::queued_func), which no
  // program can change any more.
  void ProgramsDetached() { detached_ = true; }

  uint64_t events() const { return events_; }
  uint64_t lost() const { return lost_total_; }
  // Map entries deleted because their cgroup or disk went away, by reason
  // ("cgroup", "disk"), and the most (blkg, cgroup) keys the kernel held at
  // once, in slots or in the table.
  const std::map<std::string, uint64_t>& evicted() const { return evicted_; }
  uint64_t peak_entries() const { return peak_entries_; }

  static uint64_t MonotonicNowNs();

  // Called in Snapshot() with each removed io cgroup the collector lets go
  // of: past the grace period, its rows' last counts already emitted. A
  // long-running consumer (serve) drops the cgroup's rows then.
  void OnCgroupForgotten(std::function<void(uint64_t cgroup_id)> forgotten) {
    forgotten_ = std::move(forgotten);
  }

 private:
  // Throttle counts of one (blkg cgroup, disk): live entries plus those
  // evicted, like BlkgRows.
  struct ThrottleRow {
    ThrottleRecord retired;
    ThrottleRecord live;
    struct {
      uint64_t throttled = 0;
      uint64_t passed = 0;
    } emitted;  // what the row was last emitted with
  };
  struct ThrottleRowKey {
    uint64_t cgroup_id = 0;  // owning the blkg
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
    friend bool operator==(const ThrottleRowKey&, const ThrottleRowKey&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const ThrottleRowKey& k) {
      return H::combine(std::move(h), k.cgroup_id, uint64_t{k.dev_major} << 32 | k.dev_minor);
    }
  };
  // A work function by its number in the kernel's wq_stats.
  struct WqFunc {
    uint64_t func = 0;  // 0: a number no function took
    std::string name;
    // What its row was last emitted with: it is emitted again only when
    // they change.
    uint64_t queued = 0;
    uint64_t executed = 0;
  };
  // Why an entry must leave the kernel map now, or nullptr.
  bool DeadLongEnough(uint64_t cgroup_id, uint64_t now_ns) const;
  const char* EvictionReason(uint64_t cgroup_id, uint64_t blkg_cgroup_id, uint32_t major,
                             uint32_t minor, uint64_t diskseq);

  Collector(const BpfSession& session, Sources sources, Sink sink, int nr_cpus);
  static int OnEvent(void* ctx, void* data, size_t size);
  int HandleEvent(const void* data, size_t size);
  // `user`: the event's user stack part, with --user-stacks.
  void HandleAlloc(const sw_alloc_event& e, const sw_alloc_user_event* user);
  void HandleBlkgSeen(const sw_blkg_seen_event& e);
  void HandleCgroup(const sw_cgroup_event& e);
  absl::Status SnapshotBlkgs(uint64_t now_ns);
  // Evicting a key in the bio table: its index leaves the kernel's hash,
  // *last gets its final counts, and the index is freed at the next
  // snapshot. Nothing when the hash no longer gives the key that index.
  absl::Status TakeTableIndex(const BlkgKeyCounts& k, sw_blkg_counters* last);
  absl::Status FreeTableIndexes();
  absl::Status SnapshotWorkqueues(uint64_t now_ns);
  // The function's name, else its address as Format() writes it.
  std::string WorkFunctionName(uint64_t func) const;
  // Learns the functions numbered since the last snapshot, up to `next`.
  absl::Status ReadWorkFuncs(uint64_t next);
  // Once detached: the queues not yet in wq_stats, by function number, and
  // by function address for a function no program numbered (its one queue
  // went to the inactive list and nothing else of it was seen).
  struct QueuedLeft {
    absl::flat_hash_map<uint32_t, uint64_t> by_number;
    std::map<uint64_t, uint64_t> unnumbered;
  };
  absl::StatusOr<QueuedLeft> QueuedLeftPerCpu();
  absl::Status SnapshotLost(uint64_t now_ns);
  absl::Status SnapshotThrottle(uint64_t now_ns);

  const BpfSession& session_;
  Sources sources_;
  Sink sink_;
  ring_buffer* ring_ = nullptr;
  int nr_cpus_ = 0;
  PerCpuMapReader map_reader_;
  PerCpuMapReader plain_map_reader_{1};  // a plain map reads as one CPU's
  uint64_t events_ = 0;
  uint64_t malformed_ = 0;
  uint64_t lost_total_ = 0;
  BlkgRows blkgs_;
  std::unique_ptr<BlkgSlots> slots_;
  std::unique_ptr<BlkgTable> table_;
  // Indexes of keys evicted in the last snapshot, zeroed and given back to
  // the programs in the next.
  std::vector<uint32_t> table_indexes_to_free_;
  // Removed io cgroups -> when the rmdir was seen; their entries go, and
  // their rows once emitted and past the grace period.
  absl::flat_hash_map<uint64_t, uint64_t> dead_cgroups_;
  // Per snapshot: the diskseq of each disk asked about (nullopt: gone).
  absl::flat_hash_map<uint64_t, std::optional<uint64_t>> disk_now_;
  // blkgs evicted in this snapshot, for the throttle map keyed by blkg.
  absl::flat_hash_set<uint64_t> evicted_blkgs_;
  std::map<std::string, uint64_t> evicted_;
  uint64_t peak_entries_ = 0;
  std::vector<WqFunc> wq_funcs_;  // by number
  bool detached_ = false;
  size_t unnamed_wq_funcs_ = 0;
  absl::flat_hash_map<ThrottleRowKey, ThrottleRow> throttle_rows_;
  LostRecord last_lost_;
  Record blkg_record_{BlkgRecord{}};  // each emitted blkg row, in turn
  std::function<void(uint64_t)> forgotten_;
  // Every allocation event is decoded into this one record (HandleAlloc).
  Record alloc_scratch_{AllocRecord{}};
  std::vector<std::string> spare_frames_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_COLLECTOR_COLLECTOR_H_
