// The bio counters of the kernel's map, one entry per (blkg, submitting
// cgroup), folded into the rows the capture and the model know: one per
// (cgroup, kernel thread or not, disk, cgroup owning the blkg). Entries the
// collector evicts from the kernel map leave their final counts here, so a
// row's totals stay exact when its entries come and go. No I/O, no BPF.
#ifndef SUBMITWATCH_COLLECTOR_BLKG_ROWS_H_
#define SUBMITWATCH_COLLECTOR_BLKG_ROWS_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "bpf/events.h"
#include "model/records.h"

namespace submitwatch {

// The kernel's key as a hash-map key.
struct BlkgKeyHash {
  size_t operator()(const sw_blkg_key& k) const { return absl::HashOf(k.blkg, k.task_cgroup_id); }
};
struct BlkgKeyEq {
  bool operator()(const sw_blkg_key& a, const sw_blkg_key& b) const {
    return a.blkg == b.blkg && a.task_cgroup_id == b.task_cgroup_id;
  }
};

// Per snapshot, every kernel entry is looked up once (Find, then Live on
// what it found) and every row visited once: a snapshot of 100,000 keys
// costs a hash probe per key and a pass over the rows, nothing more. Rows
// live in a deque, reached from their entries by index; a forgotten row's
// place is reused by the next new one.
class BlkgRows {
 public:
  struct Entry {
    uint64_t diskseq = 0;  // of the disk when the entry was first seen
    uint64_t row_cgroup_id = 0;
    uint64_t blkg_cgroup_id = 0;
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
    uint32_t row = 0;  // the row it feeds: BlkgRows' own
  };

  // A first-seen event: `identity` names the row (counts are ignored).
  void Seen(const sw_blkg_key& key, const BlkgRecord& identity, uint64_t diskseq);
  // nullptr until the entry's first-seen event arrived.
  const Entry* Find(const sw_blkg_key& key) const;

  // One snapshot: BeginSnapshot(), Live() per kernel entry, Retire() per
  // entry evicted since, EndSnapshot().
  void BeginSnapshot();
  void Live(const sw_blkg_key& key, const sw_blkg_counters& totals);
  // The same, for an entry Find() returned in this snapshot.
  void Live(const Entry& entry, const sw_blkg_counters& totals);
  // The entry was deleted from the kernel maps with these final counts; with
  // keep_entry, only part of it was (the rest is still live there).
  void Retire(const sw_blkg_key& key, const sw_blkg_counters& final_totals,
              bool keep_entry = false);
  // Emits every row whose totals changed, stamped now_ns; the record passed
  // is reused for the next row (no allocation per row). Rows with no entry
  // left in the kernel whose totals were emitted are dropped when
  // `forgettable` says their cgroup cannot come back.
  void EndSnapshot(uint64_t now_ns, const std::function<void(const BlkgRecord&)>& emit,
                   const std::function<bool(const BlkgRecord&)>& forgettable);

  // Shrinks the tables once most rows and entries are gone.
  void Compact();

  size_t entries() const { return entries_.size(); }
  size_t rows() const { return row_index_.size(); }

 private:
  struct Row {
    BlkgRecord identity;
    sw_blkg_counters retired{};
    sw_blkg_counters live{};
    sw_blkg_counters emitted{};
    int entries = 0;  // kernel entries feeding this row now
    bool used = false;  // false: a forgotten row's place, free for the next
  };
  struct KeyState {
    Entry entry;
  };

  uint32_t RowFor(const BlkgRecord& identity);  // creates it when new
  void Forget(uint32_t row);

  absl::flat_hash_map<sw_blkg_key, KeyState, BlkgKeyHash, BlkgKeyEq> entries_;
  absl::flat_hash_map<BlkgRowKey, uint32_t> row_index_;  // into rows_
  // A deque: it grows without the spare half a vector keeps, at 100,000
  // rows tens of MiB.
  std::deque<Row> rows_;
  std::vector<uint32_t> free_rows_;  // places in rows_ of forgotten rows
  BlkgRecord scratch_;  // what EndSnapshot emits, reused
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_COLLECTOR_BLKG_ROWS_H_
