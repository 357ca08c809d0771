#include "model/blkg_pairs.h"

#include <algorithm>
#include <tuple>

namespace submitwatch::model_internal {

void BlkgPairs::Add(const BlkgRecord& blkg) {
  const BlkgKey key = BlkgKey::Of(blkg);
  uint32_t index = cursor_;
  bool inserted = false;
  if (index >= entries_.size() || !(entries_[index].key == key)) {
    const auto [it, added] =
        entry_index_.try_emplace(key, static_cast<uint32_t>(entries_.size()));
    index = it->second;
    inserted = added;
  }
  cursor_ = index + 1;
  const size_t capacity = entries_.capacity();
  if (inserted) entries_.push_back({key, {}});
  Entry& entry = entries_[index].entry;
  if (inserted) {
    entry.own = IsOwnBlkg(blkg);
    entry.pair = PairFor(blkg);
    if (entries_.capacity() != capacity) {
      Relink();
    } else {
      Entry** last = &pairs_[entry.pair].first;
      while (*last != nullptr) last = &(*last)->next;
      *last = &entry;
    }
  } else if (blkg.ts_ns < entry.ts_ns) {
    return;  // Snapshots are cumulative: an older one carries nothing new.
  }
  pairs_[entry.pair].changed = ++stamp_;

  const std::string* path = Keep(entry.path, PathOf(blkg));
  // A pair moves in order_ when its namer's path changes: a renamed cgroup,
  // or a later snapshot with another path.
  bool moves = false;
  bool placed = true;
  if (entry.names) {
    moves = path != entry.path;
  } else if (Pair& pair = pairs_[entry.pair];
             pair.namer == nullptr || blkg.ts_ns >= pair.namer->ts_ns) {
    if (pair.namer == nullptr) {
      moves = true;
      placed = false;
    } else {
      moves = path != pair.namer->path;
      pair.namer->names = false;
    }
    pair.namer = &entry;
    entry.names = true;
  }
  if (moves && placed) has_stale_ = true;
  entry.path = path;
  if (moves) Place(entry.pair);

  entry.ts_ns = blkg.ts_ns;
  entry.first_seen_ns = blkg.first_seen_ns;
  entry.bios = blkg.bios;
  entry.bytes = blkg.bytes;
  entry.disk = Keep(entry.disk, blkg.disk);
  entry.blkg_cgroup = blkg.kthread ? path : Keep(entry.blkg_cgroup, blkg.blkg_cgroup);
  entry.readiness = RowReadiness(blkg);
  if (entry.baseline && blkg.bios < entry.baseline->bios) {
    // The kernel's counters restarted (the map entry was recreated).
    entry.baseline.reset();
  }
  if (!entry.ready_seen && entry.readiness == Readiness::kReady) {
    entry.ready_seen = true;
    // Ready at first sight: ready since its first bio. Otherwise it turned
    // ready between the previous snapshot and this one.
    entry.ready_since_ns = inserted && blkg.first_seen_ns != 0 ? blkg.first_seen_ns
                                                               : blkg.ts_ns;
  }
}

void BlkgPairs::Clear() {
  for (KeyedEntry& e : entries_) e.entry.baseline = Entry::Counts{e.entry.bios, e.entry.bytes};
  ++stamp_;
}

uint32_t BlkgPairs::Find(const PairKey& key) const {
  const auto it = pair_index_.find(key);
  return it == pair_index_.end() ? kNone : it->second;
}

const std::string* BlkgPairs::Keep(const std::string* kept, const std::string& name) {
  // Names rarely change, and the kept one, shared by many entries, is likely
  // in cache: comparing first saves the lookup.
  if (kept != nullptr && *kept == name) return kept;
  return &*names_.insert(name).first;
}

uint32_t BlkgPairs::PairFor(const BlkgRecord& blkg) {
  const PairKey key{blkg.kthread ? blkg.blkg_cgroup_id : blkg.cgroup_id, blkg.kthread,
                    blkg.dev_major, blkg.dev_minor};
  const auto [it, inserted] = pair_index_.try_emplace(key, static_cast<uint32_t>(pairs_.size()));
  if (inserted) pairs_.push_back({.key = key});
  return it->second;
}

void BlkgPairs::Relink() {
  for (Pair& pair : pairs_) {
    pair.first = nullptr;
    pair.namer = nullptr;
  }
  for (KeyedEntry& e : entries_) {
    Entry& entry = e.entry;
    Pair& pair = pairs_[entry.pair];
    entry.next = pair.first;
    pair.first = &entry;
    if (entry.names) pair.namer = &entry;
  }
  for (Placed& placed : order_) placed.first = pairs_[placed.pair].first;
  for (Placed& placed : pending_) placed.first = pairs_[placed.pair].first;
}

bool BlkgPairs::Before(const Placed& a, const Placed& b) const {
  if (a.path != b.path) return *a.path < *b.path;
  const PairKey& x = pairs_[a.pair].key;
  const PairKey& y = pairs_[b.pair].key;
  return std::tie(x.kthread, x.dev_major, x.dev_minor, x.row_cgroup_id) <
         std::tie(y.kthread, y.dev_major, y.dev_minor, y.row_cgroup_id);
}

void BlkgPairs::Place(uint32_t pair) {
  Pair& p = pairs_[pair];
  pending_.push_back({pair, p.namer->path, p.first, ++p.placements});
}

const std::vector<BlkgPairs::Placed>& BlkgPairs::order() const {
  if (!pending_.empty()) Settle();
  return order_;
}

void BlkgPairs::Settle() const {
  const auto before = [this](const Placed& a, const Placed& b) { return Before(a, b); };
  const auto stale = [this](const Placed& placed) { return Stale(placed); };
  if (has_stale_) {
    order_.erase(std::remove_if(order_.begin(), order_.end(), stale), order_.end());
    pending_.erase(std::remove_if(pending_.begin(), pending_.end(), stale), pending_.end());
    has_stale_ = false;
  }
  std::sort(pending_.begin(), pending_.end(), before);
  const size_t settled = order_.size();
  order_.insert(order_.end(), pending_.begin(), pending_.end());
  pending_.clear();
  std::inplace_merge(order_.begin(), order_.begin() + static_cast<ptrdiff_t>(settled),
                     order_.end(), before);
}

}  // namespace submitwatch::model_internal
