// The model's blkg snapshot rows, grouped by the (cgroup, disk) pair whose
// cgroup-table row they add up to. Internal to the model.
//
// The pairs are kept in the table's order of paths and disks, so that a
// table build, which runs for every TUI frame, need not sort by path
// strings. New pairs and renamed cgroups, the only things that move a pair,
// wait in a list until the order is next read; then they are sorted and
// merged in, and the places they left are dropped: O(N + k log k) for k
// moves, however many pairs arrive between two builds (a first snapshot of
// 100,000 pairs, a capture of a host whose cgroups come and go). Paths and
// disk names are kept once each and compared by address.
#ifndef SUBMITWATCH_MODEL_BLKG_PAIRS_H_
#define SUBMITWATCH_MODEL_BLKG_PAIRS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_set.h"
#include "common/number_index.h"
#include "model/model_keys.h"
#include "model/readiness.h"
#include "model/records.h"
#include "model/stable_blocks.h"

namespace submitwatch::model_internal {

class BlkgPairs {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // What the table needs of one snapshot row, from its latest snapshot.
  // 96 bytes: with its key, an entry fills two cache lines exactly.
  struct Entry {
    uint64_t ts_ns = 0;
    uint64_t first_seen_ns = 0;
    uint64_t bios = 0;  // as the kernel counts them
    uint64_t bytes = 0;
    const std::string* path = nullptr;  // the path its pair's row would show
    const std::string* disk = nullptr;
    const std::string* blkg_cgroup = nullptr;  // the cgroup charged
    uint64_t ready_since_ns = 0;
    // Counts at the last Clear(), subtracted when shown, if has_baseline.
    struct Counts {
      uint64_t bios = 0;
      uint64_t bytes = 0;
    };
    Counts baseline;
    Entry* next = nullptr;  // the pair's next entry
    uint32_t pair = 0;
    Readiness readiness = Readiness::kPending;  // RowReadiness of the snapshot
    bool own : 1 = false;  // IsOwnBlkg
    bool ready_seen : 1 = false;
    bool names : 1 = false;  // it is its pair's namer
    bool has_baseline : 1 = false;
  };
  static_assert(sizeof(Entry) == 96);
  struct Pair {
    PairKey key;
    // Entries, linked through Entry::next. New ones go last, so the first
    // changes only when the map moves them.
    Entry* first = nullptr;
    // The entry whose snapshot names the pair (path and disk): the latest by
    // ts, ties to the one taken in last. Its path places the pair in order().
    Entry* namer = nullptr;
    // How many times it was placed: a place in order() made by an earlier
    // placement is stale.
    uint32_t placements = 0;
    // stamp() when one of its entries last changed.
    uint64_t changed = 0;
  };

  BlkgPairs() = default;
  // The pairs and entries point into this object; a copy would point into
  // the original.
  BlkgPairs(const BlkgPairs&) = delete;
  BlkgPairs& operator=(const BlkgPairs&) = delete;
  BlkgPairs(BlkgPairs&&) = default;
  BlkgPairs& operator=(BlkgPairs&&) = default;

  // A snapshot row; one older than the row's latest is ignored.
  void Add(const BlkgRecord& blkg);
  // Takes the current counts as every row's baseline.
  void Clear();
  // Removes the pairs whose row cgroup is in `row_cgroups`, with their
  // entries and the names no one else uses. Rare (a removed cgroup, once):
  // it renumbers the pairs left.
  void Forget(const absl::flat_hash_set<uint64_t>& row_cgroups);

  // A pair's place in order(), with what a walk in that order reads first:
  // reaching into pairs() for it took a cache miss per pair. 24 bytes: the
  // two numbers share a word.
  struct Placed {
    const std::string* path;  // its namer's, which placed it
    const Entry* first;
    uint32_t pair;  // index in pairs()
    uint32_t placement;  // Pair::placements when it was placed
  };
  static_assert(sizeof(Placed) == 24);

  const std::vector<Pair>& pairs() const { return store_->pairs; }
  // The pairs by their namer's path, then kthread, disk and row cgroup: the
  // cgroup table's order within one state. Settles the moves since the last
  // call first.
  const std::vector<Placed>& order() const;
  // The index of the pair with `key` in pairs(), or kNone.
  uint32_t Find(const PairKey& key) const;
  // Grows with every change to an entry (and with Clear()): a table built
  // at stamp S holds the pairs whose Pair::changed is at most S as they are.
  uint64_t stamp() const { return stamp_; }

 private:
  // The path a row of the pair shows: kernel-thread pairs are the blkg's.
  static const std::string& PathOf(const BlkgRecord& r) {
    return r.kthread ? r.blkg_cgroup : r.cgroup;
  }
  // `kept` when it holds `name`, else the stored copy of `name`.
  const std::string* Keep(const std::string* kept, const std::string& name);
  uint32_t PairFor(const BlkgRecord& blkg);  // creates it, unplaced
  // Rebuilds the pairs' links after Forget() moved the entries.
  void Relink();
  bool Before(const Placed& a, const Placed& b) const;  // the order()
  // Queues the pair for its (new) place; its old place, if any, goes stale.
  void Place(uint32_t pair);
  bool Stale(const Placed& placed) const {
    return placed.placement != store_->pairs[placed.pair].placements;
  }
  // Merges the queued places into order_, dropping the stale ones.
  void Settle() const;

  absl::node_hash_set<std::string> names_;  // addresses stay put
  // The entries in the order they first arrived, which is the order the
  // collector emits its rows in every snapshot (and a capture replays):
  // the next record's entry is mostly the one after the last, found with
  // one key comparison and read where the previous one ended, where a hash
  // probe per record took a cache miss each. The pairs link them by
  // address: only Forget() moves them, and relinks.
  struct alignas(64) KeyedEntry {
    BlkgKey key;
    Entry entry;
  };
  // The entries and pairs, on the heap: the indexes below point to them,
  // and a move of this object must not move them.
  struct Store {
    StableBlocks<KeyedEntry, 512> entries;  // 64 KiB a block
    std::vector<Pair> pairs;
  };
  // The indexes hold entry and pair numbers (common/number_index.h).
  struct EntryKeyOf {
    const BlkgKey& operator()(const Store& s, uint32_t i) const { return s.entries[i].key; }
  };
  struct PairKeyOf {
    const PairKey& operator()(const Store& s, uint32_t i) const { return s.pairs[i].key; }
  };

  std::unique_ptr<Store> store_ = std::make_unique<Store>();
  NumberIndex<BlkgKey, Store, EntryKeyOf> entry_index_{store_.get()};
  uint32_t cursor_ = 0;  // where the next record's entry likely is
  uint64_t stamp_ = 0;
  NumberIndex<PairKey, Store, PairKeyOf> pair_index_{store_.get()};
  // Sorted, but for the places queued in pending_ and those gone stale.
  // Settled on reading (a const read of the table), hence mutable.
  mutable std::vector<Placed> order_;
  mutable std::vector<Placed> pending_;
  mutable bool has_stale_ = false;  // a pair was placed again since the last Settle()
};

}  // namespace submitwatch::model_internal

#endif  // SUBMITWATCH_MODEL_BLKG_PAIRS_H_
