// The model: feed it records (live, replayed or synthetic), read tables.
// Plain C++ with no I/O and no clock: every time it knows came in a record.
#ifndef SUBMITWATCH_MODEL_MODEL_H_
#define SUBMITWATCH_MODEL_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "model/blkg_pairs.h"
#include "model/model_keys.h"
#include "model/records.h"
#include "model/stack_table.h"
#include "model/tables.h"

namespace submitwatch {

class Model {
 public:
  // Distinct stacks kept per allocation row; the rest are only counted.
  static constexpr size_t kMaxStacksPerRow = 16;
  // Distinct pids kept per allocation row.
  static constexpr size_t kMaxPidsPerRow = 8;

  Model() = default;
  Model(const Model&) = delete;  // holds interned stacks; see StackTable
  Model& operator=(const Model&) = delete;
  Model(Model&&) = default;
  Model& operator=(Model&&) = default;

  void Add(const Record& record);
  void Add(const CaptureHeader& header);
  void Add(const AllocRecord& alloc);  // hot: millions per second on replay
  void Add(const BlkgRecord& blkg);
  void Add(const WqRecord& wq);
  void Add(const LostRecord& lost);
  void Add(const CaptureSummary& summary);
  void Add(const ThrottleRecord& throttle);

  // Problem states first (failed, fallback, pending, ready), then by path
  // and device.
  std::vector<CgroupRow> CgroupRows() const;
  // The same table for a caller that asks again and again: `previous` itself
  // when nothing changed since it was built, else a new one that shares the
  // rows of every pair unchanged since (null `previous`: all built). Builds
  // O(changed) rows, walking the pairs once; with failed allocations or
  // throttle counts changed since `previous`, or a Clear(), it builds all.
  std::shared_ptr<const SharedCgroupRows> CgroupRowsSince(
      const std::shared_ptr<const SharedCgroupRows>& previous) const;
  // UNSAFE first, then by count, most frequent first.
  std::vector<AllocRow> AllocRows() const;
  // The allocation groups' counts, in no particular order.
  std::vector<AllocCount> AllocCounts() const;
  // Most executed first.
  std::vector<WqRow> WqRows() const;
  // Events lost since the start (or the last Clear()), by reason.
  LostRecord Lost() const;

  const CaptureHeader* header() const { return header_ ? &*header_ : nullptr; }
  const CaptureSummary* summary() const { return summary_ ? &*summary_ : nullptr; }
  const RecordCounts& counts() const { return counts_; }
  // Smallest and largest ts_ns of the records taken in; 0 before any.
  uint64_t first_ts_ns() const { return first_ts_ns_; }
  uint64_t last_ts_ns() const { return last_ts_ns_; }

  // What ForgetCgroups took out, as the tables last showed it.
  struct Forgotten {
    std::vector<CgroupRow> cgroups;
    std::vector<AllocCount> allocs;
  };
  // Drops the rows of these cgroups (removed, and past the collector's grace
  // period, so their last counts came in): their pairs, throttle counts,
  // failed allocations and allocation groups. A long-running exporter calls
  // it so that what it holds follows the cgroups that exist; record, report
  // and top keep every row.
  Forgotten ForgetCgroups(const absl::flat_hash_set<uint64_t>& cgroup_ids);

  // Starts counting afresh (the TUI's 'c'). Cumulative snapshots that arrive
  // afterwards are shown relative to their values at this point, and rows
  // that did not change since are hidden. The header and summary are kept.
  void Clear();

 private:
  struct WqEntry {
    WqRecord latest;
    std::optional<WqRecord> baseline;
    // The function is in percpu_work_funcs_: kept here so that building the
    // table hashes no names.
    bool allocates_percpu = false;
  };
  // A distinct (kernel stack, user stack) of a group.
  struct StackSlot {
    uint32_t id = 0;
    uint64_t fingerprint = 0;  // StackFingerprint() of the record
    uint64_t count = 0;
    // Frames interned in stacks_; the fallback of the first record with
    // this stack. Null: no user stack.
    std::shared_ptr<const UserStackPart> user;
  };
  struct AllocGroup {
    uint64_t count = 0;
    uint64_t failed = 0;
    uint64_t bytes = 0;
    uint64_t first_ns = 0;
    uint64_t last_ns = 0;
    uint64_t cgroup_id = 0;
    uint64_t gfp_raw = 0;
    uint32_t task_flags = 0;
    uint32_t context = 0;
    std::string work_func;
    std::string site_offset;
    std::vector<uint32_t> pids;
    std::vector<StackSlot> stacks;
    // The slot the previous record hit, and whether it had hit the same one
    // before. Records of a group mostly repeat one stack: comparing with it
    // then skips the fingerprint, and when they do not, the comparison is
    // skipped instead.
    size_t last_slot = 0;
    bool repeating = false;
    uint64_t other_stacks = 0;
  };
  struct Failure {
    std::string cgroup;
    uint64_t count = 0;
    uint64_t first_ns = 0;
    uint64_t last_ns = 0;
  };

  void NoteTs(uint64_t ts_ns);
  void NoteStack(AllocGroup& group, const AllocRecord& alloc);
  bool SameStacks(const StackSlot& slot, const AllocRecord& alloc) const;
  static uint64_t StackFingerprint(const AllocRecord& alloc);

  std::optional<CaptureHeader> header_;
  std::optional<CaptureSummary> summary_;
  RecordCounts counts_;
  uint64_t first_ts_ns_ = 0;
  uint64_t last_ts_ns_ = 0;

  absl::flat_hash_map<model_internal::AllocKey, AllocGroup,
                      model_internal::AllocKeyHash, model_internal::AllocKeyEq>
      allocs_;
  StackTable stacks_;
  // Work functions whose workers made per-cpu allocations.
  absl::flat_hash_set<std::string> percpu_work_funcs_;
  // Failed submit-path allocations by the allocating task's cgroup.
  absl::flat_hash_map<uint64_t, Failure> failures_;

  model_internal::BlkgPairs blkgs_;
  absl::flat_hash_map<std::string, WqEntry> wqs_;
  // The entries in the order the previous snapshot listed them, and how far
  // this one has got: the collector walks the kernel map the same way each
  // time, so a record's entry is mostly the next one there, found with one
  // name comparison instead of a hash and a probe. An insertion may move
  // every entry, so it empties both lists.
  using WqSlot = std::pair<const std::string, WqEntry>;
  std::vector<WqSlot*> wq_order_previous_;
  std::vector<WqSlot*> wq_order_now_;
  size_t wq_cursor_ = 0;
  uint64_t wq_snapshot_ts_ = 0;
  // Latest throttle snapshot per (blkg cgroup, disk).
  absl::flat_hash_map<model_internal::PairKey, ThrottleRecord> throttles_;
  std::optional<LostRecord> lost_;
  std::optional<LostRecord> lost_baseline_;
  // Grows when what the cgroup table joins in besides the pairs changes:
  // failed allocations, throttle counts, a Clear().
  uint64_t joins_stamp_ = 0;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_MODEL_MODEL_H_
