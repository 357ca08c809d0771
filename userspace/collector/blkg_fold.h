// One snapshot of the kernel's bio counters folded per key, and fed into the
// rows: a key's bios are at its index in the table (summed over CPUs), in its
// slots on the CPUs where it owns one, or both. Each bio is counted in exactly
// one of them, so they add up. No I/O, no BPF: the collector reads the maps,
// this decides what the reads mean.
#ifndef SUBMITWATCH_COLLECTOR_BLKG_FOLD_H_
#define SUBMITWATCH_COLLECTOR_BLKG_FOLD_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "bpf/events.h"
#include "collector/blkg_rows.h"
#include "collector/blkg_slots.h"
#include "collector/blkg_table.h"

namespace submitwatch {

// Everything one key holds in the kernel now: at its index in the table
// (Entry: index, key, counts summed over the CPUs), in its occupied slots,
// or both.
struct BlkgKeyCounts : BlkgTable::Entry {
  // The index of a key only in slots, whose table counts are zero.
  static constexpr uint32_t kNotInTable = UINT32_MAX;
  // The key's occupied slots: [slots_begin, slots_end) of BlkgFold::slots.
  uint32_t slots_begin = 0;
  uint32_t slots_end = 0;
  sw_blkg_counters in_slots{};  // those slots' counts added up

  bool in_table() const { return index != kNotInTable; }
  sw_blkg_counters Total() const {
    return {counts.bios + in_slots.bios, counts.bytes + in_slots.bytes};
  }
};

struct BlkgFold {
  std::vector<BlkgSlots::Occupied> slots;  // sorted by key
  // One per key: those in the table in its order, then those only in slots
  // by key.
  std::vector<BlkgKeyCounts> keys;
};

// Joins the table's named indexes (one per key: the kernel never names two
// for one key), as BlkgTable::Read() left them, with the occupied slots (any
// number per key, one per CPU at most) by key; they become the fold's keys.
// O(table + slots): no sort of the table, whose keys are the many; the
// slots, a few per CPU, are looked up by key.
BlkgFold FoldBlkgCounts(std::vector<BlkgKeyCounts> table,
                        std::vector<BlkgSlots::Occupied> slots);

// A key that must leave the kernel maps now, and why ("cgroup", "disk").
struct DoomedBlkgKey {
  const BlkgKeyCounts* counts;  // into the fold it came from
  const char* reason;
};

// Why the entry of `key` must be evicted now, or nullptr to keep it.
using BlkgEvictionReason =
    std::function<const char*(const sw_blkg_key& key, const BlkgRows::Entry& entry)>;

// Within rows.BeginSnapshot() / EndSnapshot(): every key whose first-seen
// event has arrived and that may stay goes to rows.Live() with its total.
// Returns the keys to evict instead; a key not seen yet is skipped (its event
// is still in flight, its counts wait for the next snapshot).
std::vector<DoomedBlkgKey> FeedLiveKeys(const BlkgFold& fold, BlkgRows& rows,
                                        const BlkgEvictionReason& eviction_reason);

}  // namespace submitwatch

#endif  // SUBMITWATCH_COLLECTOR_BLKG_FOLD_H_
