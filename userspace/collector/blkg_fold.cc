#include "collector/blkg_fold.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace submitwatch {
namespace {

bool KeyLess(const sw_blkg_key& a, const sw_blkg_key& b) {
  return std::tie(a.blkg, a.task_cgroup_id) < std::tie(b.blkg, b.task_cgroup_id);
}

}  // namespace

BlkgFold FoldBlkgCounts(std::vector<BlkgKeyCounts> table,
                        std::vector<BlkgSlots::Occupied> slots) {
  BlkgFold fold;
  fold.slots = std::move(slots);
  std::sort(fold.slots.begin(), fold.slots.end(),
            [](const BlkgSlots::Occupied& a, const BlkgSlots::Occupied& b) {
              return KeyLess(a.key, b.key);
            });
  // Each key's run of slots, found by key.
  struct Run {
    uint32_t begin = 0;  // slots number a few per CPU
    uint32_t end = 0;
    bool in_table = false;
  };
  std::vector<Run> runs;
  absl::flat_hash_map<sw_blkg_key, uint32_t, BlkgKeyHash, BlkgKeyEq> run_of;
  for (size_t s = 0; s < fold.slots.size();) {
    size_t e = s + 1;
    while (e < fold.slots.size() && !KeyLess(fold.slots[s].key, fold.slots[e].key)) ++e;
    run_of.emplace(fold.slots[s].key, static_cast<uint32_t>(runs.size()));
    runs.push_back({static_cast<uint32_t>(s), static_cast<uint32_t>(e)});
    s = e;
  }
  const auto with_slots = [&](BlkgKeyCounts& k, const Run& run) {
    k.slots_begin = run.begin;
    k.slots_end = run.end;
    for (size_t i = run.begin; i < run.end; ++i) {
      k.in_slots.bios += fold.slots[i].counts.bios;
      k.in_slots.bytes += fold.slots[i].counts.bytes;
    }
  };
  fold.keys = std::move(table);
  if (!run_of.empty()) {
    for (BlkgKeyCounts& k : fold.keys) {
      if (const auto it = run_of.find(k.key); it != run_of.end()) {
        Run& run = runs[it->second];
        run.in_table = true;
        with_slots(k, run);
      }
    }
  }
  for (const Run& run : runs) {
    if (run.in_table) continue;
    BlkgKeyCounts& k = fold.keys.emplace_back();
    k.index = BlkgKeyCounts::kNotInTable;
    k.key = fold.slots[run.begin].key;
    with_slots(k, run);
  }
  return fold;
}

std::vector<DoomedBlkgKey> FeedLiveKeys(const BlkgFold& fold, BlkgRows& rows,
                                        const BlkgEvictionReason& eviction_reason) {
  // Keys come in the kernel table's order, the entries' table is hashed:
  // each lookup a cache miss at 100,000 keys unless asked for ahead.
  constexpr size_t kAhead = 8;
  std::vector<DoomedBlkgKey> doomed;
  for (size_t i = 0; i < fold.keys.size(); ++i) {
    if (i + kAhead < fold.keys.size()) rows.Prefetch(fold.keys[i + kAhead].key);
    const BlkgKeyCounts& k = fold.keys[i];
    const std::optional<BlkgRows::Entry> entry = rows.Find(k.key);
    if (!entry) continue;
    if (const char* reason = eviction_reason(k.key, *entry)) {
      doomed.push_back({&k, reason});
    } else {
      rows.Live(*entry, k.Total());
    }
  }
  return doomed;
}

}  // namespace submitwatch
