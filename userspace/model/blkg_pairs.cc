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
  // Stale places name paths that may go below: drop them while the pairs
  // still have their old numbers.
  const auto stale = [this](const Placed& placed) { return Stale(placed); };
  std::erase_if(order_, stale);
  std::erase_if(pending_, stale);
  has_stale_ = false;
  pairs_ = std::move(kept);
  for (auto& [key, index] : pair_index_) index = renumbered[index];

  // Compacted into a vector of its own size, which also gives the memory of
  // a burst of removals back; the entries move, so the links are rebuilt.
  std::vector<KeyedEntry> entries;
  for (KeyedEntry& e : entries_) {
    if (renumbered[e.entry.pair] == kNone) continue;
    e.entry.pair = renumbered[e.entry.pair];
    entries.push_back(std::move(e));
  }
  entries_ = std::move(entries);
  entry_index_ = {};
  entry_index_.reserve(entries_.size());
  for (uint32_t i = 0; i < entries_.size(); ++i) entry_index_.emplace(entries_[i].key, i);
  cursor_ = 0;

  const auto gone = [&](const Placed& placed) { return renumbered[placed.pair] == kNone; };
  std::erase_if(order_, gone);
  std::erase_if(pending_, gone);
  for (Placed& placed : order_) placed.pair = renumbered[placed.pair];
  for (Placed& placed : pending_) placed.pair = renumbered[placed.pair];
  Relink();

  absl::flat_hash_set<const std::string*> used;
  for (const KeyedEntry& e : entries_) {
    used.insert(e.entry.path);
    used.insert(e.entry.disk);
    used.insert(e.entry.blkg_cgroup);
  }
  absl::erase_if(names_, [&](const std::string& name) { return !used.contains(&name); });
  if (pair_index_.size() * 4 < pair_index_.capacity()) pair_index_.rehash(0);
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
