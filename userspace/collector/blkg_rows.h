// The bio counters of the kernel's map, one entry per (blkg, submitting
// cgroup), folded into the rows the capture and the model know: one per
// (cgroup, kernel thread or not, disk, cgroup owning the blkg). Entries the
// collector evicts from the kernel map leave their final counts here, so a
// row's totals stay exact when its entries come and go. No I/O, no BPF.
#ifndef SUBMITWATCH_COLLECTOR_BLKG_ROWS_H_
#define SUBMITWATCH_COLLECTOR_BLKG_ROWS_H_

#include <cstdint>
#include <functional>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "bpf/events.h"
#include "model/records.h"

namespace submitwatch {

class BlkgRows {
 public:
  struct Entry {
    uint64_t diskseq = 0;  // of the disk when the entry was first seen
    uint64_t row_cgroup_id = 0;
    uint64_t blkg_cgroup_id = 0;
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
  };

  // A first-seen event: `identity` names the row (counts are ignored).
  void Seen(const sw_blkg_key& key, const BlkgRecord& identity, uint64_t diskseq);
  // nullptr until the entry's first-seen event arrived.
  const Entry* Find(const sw_blkg_key& key) const;

  // One snapshot: BeginSnapshot(), Live() per kernel entry, Retire() per
  // entry evicted since, EndSnapshot().
  void BeginSnapshot();
  void Live(const sw_blkg_key& key, const sw_blkg_counters& totals);
  // The entry was deleted from the kernel maps with these final counts; with
  // keep_entry, only part of it was (the rest is still live there).
  void Retire(const sw_blkg_key& key, const sw_blkg_counters& final_totals,
              bool keep_entry = false);
  // Emits every row whose totals changed, stamped now_ns. Rows with no entry
  // left in the kernel whose totals were emitted are dropped when
  // `forgettable` says their cgroup cannot come back.
  void EndSnapshot(uint64_t now_ns, const std::function<void(BlkgRecord)>& emit,
                   const std::function<bool(const BlkgRecord&)>& forgettable);

  // Shrinks the tables once most rows and entries are gone.
  void Compact();

  size_t entries() const { return entries_.size(); }
  size_t rows() const { return rows_.size(); }

 private:
  struct Row {
    BlkgRecord identity;
    sw_blkg_counters retired{};
    sw_blkg_counters live{};
    sw_blkg_counters emitted{};
    int entries = 0;  // kernel entries feeding this row now
  };
  struct KeyHash {
    size_t operator()(const sw_blkg_key& k) const { return absl::HashOf(k.blkg, k.task_cgroup_id); }
  };
  struct KeyEq {
    bool operator()(const sw_blkg_key& a, const sw_blkg_key& b) const {
      return a.blkg == b.blkg && a.task_cgroup_id == b.task_cgroup_id;
    }
  };
  struct KeyState {
    Entry entry;
    BlkgRowKey row;
  };

  absl::flat_hash_map<sw_blkg_key, KeyState, KeyHash, KeyEq> entries_;
  absl::flat_hash_map<BlkgRowKey, Row> rows_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_COLLECTOR_BLKG_ROWS_H_
