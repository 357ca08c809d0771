#include "collector/blkg_fold.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace submitwatch {
namespace {

bool KeyLess(const sw_blkg_key& a, const sw_blkg_key& b) {
  return std::tie(a.blkg, a.task_cgroup_id) < std::tie(b.blkg, b.task_cgroup_id);
}

}  // namespace

BlkgFold FoldBlkgCounts(std::vector<BlkgTableEntry> table,
                        std::vector<BlkgSlots::Occupied> slots) {
  BlkgFold fold;
  fold.slots = std::move(slots);
  std::sort(fold.slots.begin(), fold.slots.end(),
            [](const BlkgSlots::Occupied& a, const BlkgSlots::Occupied& b) {
              return KeyLess(a.key, b.key);
            });
  std::stable_sort(table.begin(), table.end(),
                   [](const BlkgTableEntry& a, const BlkgTableEntry& b) {
                     return KeyLess(a.key, b.key);
                   });
  // A map walked while the program inserts could, in principle, hand out a
  // key twice: its bios are counted once, as first read.
  table.erase(std::unique(table.begin(), table.end(),
                          [](const BlkgTableEntry& a, const BlkgTableEntry& b) {
                            return !KeyLess(a.key, b.key) && !KeyLess(b.key, a.key);
                          }),
              table.end());
  fold.keys.reserve(table.size());
  // A merge of the two sorted lists: a key may be in either or both.
  size_t t = 0, s = 0;
  while (t < table.size() || s < fold.slots.size()) {
    BlkgKeyCounts k;
    const bool take_table = t < table.size() &&
                            (s == fold.slots.size() || !KeyLess(fold.slots[s].key, table[t].key));
    k.key = take_table ? table[t].key : fold.slots[s].key;
    if (take_table) {
      k.in_table = true;
      k.table = table[t].counts;
      ++t;
    }
    k.slots_begin = s;
    while (s < fold.slots.size() && !KeyLess(k.key, fold.slots[s].key) &&
           !KeyLess(fold.slots[s].key, k.key)) {
      k.in_slots.bios += fold.slots[s].counts.bios;
      k.in_slots.bytes += fold.slots[s].counts.bytes;
      ++s;
    }
    k.slots_end = s;
    fold.keys.push_back(k);
  }
  return fold;
}

std::vector<DoomedBlkgKey> FeedLiveKeys(const BlkgFold& fold, BlkgRows& rows,
                                        const BlkgEvictionReason& eviction_reason) {
  std::vector<DoomedBlkgKey> doomed;
  for (const BlkgKeyCounts& k : fold.keys) {
    const BlkgRows::Entry* entry = rows.Find(k.key);
    if (entry == nullptr) continue;
    if (const char* reason = eviction_reason(k.key, *entry)) {
      doomed.push_back({&k, reason});
    } else {
      rows.Live(*entry, k.Total());
    }
  }
  return doomed;
}

}  // namespace submitwatch
