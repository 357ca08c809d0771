#include "model/blkg_pairs.h"

#include <algorithm>
#include <tuple>

namespace submitwatch::model_internal {

void BlkgPairs::Add(const BlkgRecord& blkg) {
  const BlkgKey key = BlkgKey::Of(blkg);
  Store& store = *store_;
  uint32_t index = cursor_;
  bool inserted = false;
  if (index >= store.entries.size() || !(store.entries[index].key == key)) {
    // The new number goes in before its entry exists: the set hashes the
    // key for it, and rehashes only the numbers already in.
    index = *entry_index_.lazy_emplace(key, [&](const auto& place) {
      inserted = true;
      place(store.entries.size());
    });
  }
  cursor_ = index + 1;
  Entry& entry = inserted ? store.entries.push_back({key, {}}).entry : store.entries[index].entry;
  if (inserted) {
    entry.own = IsOwnBlkg(blkg);
    entry.pair = PairFor(blkg);
    Entry** last = &store.pairs[entry.pair].first;
    while (*last != nullptr) last = &(*last)->next;
    *last = &entry;
  } else if (blkg.ts_ns < entry.ts_ns) {
    return;  // Snapshots are cumulative: an older one carries nothing new.
  }
  store.pairs[entry.pair].changed = ++stamp_;

  const std::string* path = Keep(entry.path, PathOf(blkg));
  // A pair moves in order_ when its namer's path changes: a renamed cgroup,
  // or a later snapshot with another path.
  bool moves = false;
  bool placed = true;
  if (entry.names) {
    moves = path != entry.path;
  } else if (Pair& pair = store.pairs[entry.pair];
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
  // A new entry holds no names yet: the disk of the entry before it and its
  // own path (an own blkg) are the likely ones, and comparing with them
  // saves two lookups per new pair.
  const std::string* disk = entry.disk;
  if (disk == nullptr && index > 0) disk = store.entries[index - 1].entry.disk;
  entry.disk = Keep(disk, blkg.disk);
  entry.blkg_cgroup = blkg.kthread ? path
                                   : Keep(entry.blkg_cgroup != nullptr ? entry.blkg_cgroup : path,
                                          blkg.blkg_cgroup);
  entry.readiness = RowReadiness(blkg);
  if (entry.has_baseline && blkg.bios < entry.baseline.bios) {
    // The kernel's counters restarted (the map entry was recreated).
    entry.has_baseline = false;
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
  store_->entries.ForEach([](KeyedEntry& e) {
    e.entry.baseline = {e.entry.bios, e.entry.bytes};
    e.entry.has_baseline = true;
  });
  ++stamp_;
}

void BlkgPairs::Forget(const absl::flat_hash_set<uint64_t>& row_cgroups) {
  std::vector<uint32_t> renumbered(store_->pairs.size(), kNone);
  std::vector<Pair> kept;
  kept.reserve(store_->pairs.size());
  for (uint32_t i = 0; i < store_->pairs.size(); ++i) {
    if (row_cgroups.contains(store_->pairs[i].key.row_cgroup_id)) continue;
    renumbered[i] = static_cast<uint32_t>(kept.size());
    kept.push_back(store_->pairs[i]);
  }
  if (kept.size() == store_->pairs.size()) return;
  // Stale places name paths that may go below: drop them while the pairs
  // still have their old numbers.
  const auto stale = [this](const Placed& placed) { return Stale(placed); };
  std::erase_if(order_, stale);
  std::erase_if(pending_, stale);
  has_stale_ = false;
  store_->pairs = std::move(kept);
  // The numbers hash by what they number, which moved: indexed anew.
  pair_index_ = decltype(pair_index_)(store_.get());
  pair_index_.reserve(store_->pairs.size());
  for (uint32_t i = 0; i < store_->pairs.size(); ++i) pair_index_.insert(i);

  // Compacted into new blocks, which also gives the memory of a burst of
  // removals back; the entries move, so the links are rebuilt.
  decltype(store_->entries) entries;
  store_->entries.ForEach([&](KeyedEntry& e) {
    if (renumbered[e.entry.pair] == kNone) return;
    e.entry.pair = renumbered[e.entry.pair];
    entries.push_back(std::move(e));
  });
  store_->entries = std::move(entries);
  entry_index_ = decltype(entry_index_)(store_.get());
  entry_index_.reserve(store_->entries.size());
  for (uint32_t i = 0; i < store_->entries.size(); ++i) entry_index_.insert(i);
  cursor_ = 0;

  const auto gone = [&](const Placed& placed) { return renumbered[placed.pair] == kNone; };
  std::erase_if(order_, gone);
  std::erase_if(pending_, gone);
  for (Placed& placed : order_) placed.pair = renumbered[placed.pair];
  for (Placed& placed : pending_) placed.pair = renumbered[placed.pair];
  Relink();

  absl::flat_hash_set<const std::string*> used;
  store_->entries.ForEach([&](const KeyedEntry& e) {
    used.insert(e.entry.path);
    used.insert(e.entry.disk);
    used.insert(e.entry.blkg_cgroup);
  });
  absl::erase_if(names_, [&](const std::string& name) { return !used.contains(&name); });
  ++stamp_;
}

uint32_t BlkgPairs::Find(const PairKey& key) const {
  const auto it = pair_index_.find(key);
  return it == pair_index_.end() ? kNone : *it;
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
  bool inserted = false;
  const uint32_t pair = *pair_index_.lazy_emplace(key, [&](const auto& place) {
    inserted = true;
    place(static_cast<uint32_t>(store_->pairs.size()));
  });
  if (inserted) store_->pairs.push_back({.key = key});
  return pair;
}

void BlkgPairs::Relink() {
  for (Pair& pair : store_->pairs) {
    pair.first = nullptr;
    pair.namer = nullptr;
  }
  store_->entries.ForEach([&](KeyedEntry& e) {
    Entry& entry = e.entry;
    Pair& pair = store_->pairs[entry.pair];
    entry.next = pair.first;
    pair.first = &entry;
    if (entry.names) pair.namer = &entry;
  });
  for (Placed& placed : order_) placed.first = store_->pairs[placed.pair].first;
  for (Placed& placed : pending_) placed.first = store_->pairs[placed.pair].first;
}

bool BlkgPairs::Before(const Placed& a, const Placed& b) const {
  if (a.path != b.path) return *a.path < *b.path;
  const PairKey& x = store_->pairs[a.pair].key;
  const PairKey& y = store_->pairs[b.pair].key;
  return std::tie(x.kthread, x.dev_major, x.dev_minor, x.row_cgroup_id) <
         std::tie(y.kthread, y.dev_major, y.dev_minor, y.row_cgroup_id);
}

void BlkgPairs::Place(uint32_t pair) {
  Pair& p = store_->pairs[pair];
  pending_.push_back(
      {.path = p.namer->path, .first = p.first, .pair = pair, .placement = ++p.placements});
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
