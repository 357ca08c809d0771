#include "model/blkg_pairs.h"

#include <algorithm>
#include <tuple>

namespace submitwatch::model_internal {

void BlkgPairs::Add(const BlkgRecord& blkg) {
  const size_t capacity = entries_.capacity();
  const auto [it, inserted] = entries_.try_emplace(BlkgKey::Of(blkg));
  Entry& entry = it->second;
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
  if (moves && placed) Unplace(entry.pair);
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
  for (auto& [key, entry] : entries_) entry.baseline = Entry::Counts{entry.bios, entry.bytes};
}

void BlkgPairs::Forget(const absl::flat_hash_set<uint64_t>& row_cgroups) {
  std::vector<uint32_t> renumbered(pairs_.size(), kNone);
  std::vector<Pair> kept;
  kept.reserve(pairs_.size());
  for (uint32_t i = 0; i < pairs_.size(); ++i) {
    if (row_cgroups.contains(pairs_[i].key.row_cgroup_id)) {
      pair_index_.erase(pairs_[i].key);
      continue;
    }
    renumbered[i] = static_cast<uint32_t>(kept.size());
    kept.push_back(pairs_[i]);
  }
  if (kept.size() == pairs_.size()) return;
  pairs_ = std::move(kept);
  for (auto& [key, index] : pair_index_) index = renumbered[index];
  absl::erase_if(entries_, [&](const auto& slot) { return renumbered[slot.second.pair] == kNone; });
  absl::flat_hash_set<const std::string*> used;
  for (auto& [key, entry] : entries_) {
    entry.pair = renumbered[entry.pair];
    used.insert(entry.path);
    used.insert(entry.disk);
    used.insert(entry.blkg_cgroup);
  }
  absl::erase_if(names_, [&](const std::string& name) { return !used.contains(&name); });
  std::erase_if(order_, [&](const Placed& placed) { return renumbered[placed.pair] == kNone; });
  for (Placed& placed : order_) placed.pair = renumbered[placed.pair];
  // After a burst of removals most slots are empty: give the memory back.
  // Shrinking moves the entries, so the pairs' links are rebuilt.
  if (entries_.size() * 4 < entries_.capacity()) {
    entries_.rehash(0);
    Relink();
  }
  if (pair_index_.size() * 4 < pair_index_.capacity()) pair_index_.rehash(0);
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
  for (auto& [key, entry] : entries_) {
    Pair& pair = pairs_[entry.pair];
    entry.next = pair.first;
    pair.first = &entry;
    if (entry.names) pair.namer = &entry;
  }
  for (Placed& placed : order_) placed.first = pairs_[placed.pair].first;
}

bool BlkgPairs::Before(const Placed& a, const Placed& b) const {
  if (a.path != b.path) return *a.path < *b.path;
  const PairKey& x = pairs_[a.pair].key;
  const PairKey& y = pairs_[b.pair].key;
  return std::tie(x.kthread, x.dev_major, x.dev_minor, x.row_cgroup_id) <
         std::tie(y.kthread, y.dev_major, y.dev_minor, y.row_cgroup_id);
}

void BlkgPairs::Place(uint32_t pair) {
  const Placed placed{pair, pairs_[pair].namer->path, pairs_[pair].first};
  const auto at = std::lower_bound(
      order_.begin(), order_.end(), placed,
      [this](const Placed& a, const Placed& b) { return Before(a, b); });
  order_.insert(at, placed);
}

void BlkgPairs::Unplace(uint32_t pair) {
  order_.erase(std::find_if(order_.begin(), order_.end(),
                            [pair](const Placed& placed) { return placed.pair == pair; }));
}

}  // namespace submitwatch::model_internal
