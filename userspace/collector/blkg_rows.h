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
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "bpf/events.h"
#include "common/number_index.h"
#include "model/records.h"
#include "symbols/cgroup_names.h"

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
//
// Memory is what bounds the recorder at 100,000 keys, so a row keeps ids,
// not strings: its cgroups' paths are held in the shared CgroupNames, its
// disk's name in a table of the few disks seen. A row is 96 bytes, an entry
// 32 bytes of hash slot, the row index 4.
class BlkgRows {
 public:
  // What an entry's owner needs to decide its eviction, read from its row.
  struct Entry {
    uint64_t diskseq = 0;  // of the disk when the entry was first seen
    uint64_t row_cgroup_id = 0;
    uint64_t blkg_cgroup_id = 0;
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
    uint32_t row = 0;  // the row it feeds: BlkgRows' own
  };

  // Rows hold the paths of the cgroups they name in `names`, which must
  // outlive them.
  explicit BlkgRows(CgroupNames* names);
  BlkgRows(const BlkgRows&) = delete;
  BlkgRows& operator=(const BlkgRows&) = delete;
  ~BlkgRows();

  // A first-seen event: `identity` names the row (counts are ignored); its
  // cgroup paths are taken only for cgroups `names` cannot name.
  void Seen(const sw_blkg_key& key, const BlkgRecord& identity, uint64_t diskseq);
  // nullopt until the entry's first-seen event arrived.
  std::optional<Entry> Find(const sw_blkg_key& key) const;
  // Starts loading what Find(key) will read: a walk over many keys asks a
  // few keys ahead, so the table's cache misses overlap.
  void Prefetch(const sw_blkg_key& key) const { entries_.prefetch(key); }

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
  // `forgettable` says their cgroup (the blkg's for a kernel thread's row)
  // cannot come back.
  void EndSnapshot(uint64_t now_ns, const std::function<void(const BlkgRecord&)>& emit,
                   const std::function<bool(uint64_t row_cgroup_id)>& forgettable);

  // Shrinks the tables once most rows and entries are gone.
  void Compact();

  size_t entries() const { return entries_.size(); }
  size_t rows() const { return row_index_.size(); }

 private:
  struct Row {
    uint64_t first_seen_ns = 0;
    uint64_t cgroup_id = 0;
    uint64_t blkg_cgroup_id = 0;
    sw_blkg_counters retired{};
    sw_blkg_counters live{};
    sw_blkg_counters emitted{};
    uint32_t dev_major = 0;
    uint32_t dev_minor = 0;
    CgroupNames::Ref cgroup_name = 0;  // held unless kthread
    CgroupNames::Ref blkg_cgroup_name = 0;
    int32_t entries = 0;  // kernel entries feeding this row now
    uint16_t disk = 0;    // into disk_names_
    // Bits, not bools: five booleans would take the row past 96 bytes, the
    // size at which a deque's 512-byte blocks hold rows with little waste.
    uint8_t kthread : 1 = 0;
    uint8_t online : 1 = 0;
    uint8_t has_stats : 1 = 0;
    uint8_t used : 1 = 0;  // 0: a forgotten row's place, free for the next

    // The cgroup the row is shown under: a kernel thread's is the blkg's.
    uint64_t RowCgroupId() const { return kthread ? blkg_cgroup_id : cgroup_id; }
    BlkgRowKey Key() const {
      return {cgroup_id, kthread != 0, dev_major, dev_minor, blkg_cgroup_id};
    }
  };
  static_assert(sizeof(Row) == 96, "5 rows to a deque block");
  struct KeyState {
    uint64_t diskseq = 0;
    uint32_t row = 0;
  };

  // The row index holds row numbers (common/number_index.h).
  struct RowKeyOf {
    BlkgRowKey operator()(const std::deque<Row>& rows, uint32_t row) const {
      return rows[row].Key();
    }
  };

  uint32_t RowFor(const BlkgRecord& identity);  // creates it when new
  uint16_t DiskNamed(const std::string& name);
  void Forget(uint32_t row);
  void Release(const Row& row);
  void Identify(const Row& row, BlkgRecord* out) const;

  CgroupNames* names_;
  absl::flat_hash_map<sw_blkg_key, KeyState, BlkgKeyHash, BlkgKeyEq> entries_;
  // A deque: it grows without the spare half a vector keeps, and its rows
  // stay where they are, which the index's hash reads.
  std::deque<Row> rows_;
  NumberIndex<BlkgRowKey, std::deque<Row>, RowKeyOf> row_index_{&rows_};
  std::vector<uint32_t> free_rows_;  // places in rows_ of forgotten rows
  std::vector<std::string> disk_names_;
  absl::flat_hash_map<std::string, uint16_t> disk_index_;
  BlkgRecord scratch_;  // what EndSnapshot emits, reused
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_COLLECTOR_BLKG_ROWS_H_
