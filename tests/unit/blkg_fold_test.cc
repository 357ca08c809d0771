// The fold from what the kernel's bio maps hold (the table's named indexes,
// per-CPU slots) to keys and rows; no kernel needed.
#include "collector/blkg_fold.h"

#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace submitwatch {
namespace {

BlkgSlots::Occupied Slot(uint32_t cpu, const sw_blkg_key& key, uint64_t bios) {
  BlkgSlots::Occupied s;
  s.cpu = cpu;
  s.index = sw_blkg_slot_index(key.blkg, key.task_cgroup_id);
  s.gen = 2;
  s.key = key;
  s.counts = {bios, bios * 4096};
  return s;
}

// Only what names the row: the fold does not look at the rest.
BlkgRecord Identity(uint64_t cgroup_id, uint32_t minor) {
  BlkgRecord r;
  r.cgroup_id = r.blkg_cgroup_id = cgroup_id;
  r.dev_major = 7;
  r.dev_minor = minor;
  return r;
}

std::vector<BlkgRecord> End(BlkgRows& rows) {
  std::vector<BlkgRecord> emitted;
  rows.EndSnapshot(
      1000, [&](BlkgRecord r) { emitted.push_back(std::move(r)); },
      [](uint64_t) { return false; });
  return emitted;
}

const char* Keep(const sw_blkg_key&, const BlkgRows::Entry&) { return nullptr; }

// A named index as BlkgTable::Read() leaves it.
BlkgKeyCounts InTable(uint32_t index, const sw_blkg_key& key, uint64_t bios) {
  BlkgKeyCounts k;
  k.index = index;
  k.key = key;
  k.counts = {bios, bios * 4096};
  return k;
}

TEST(BlkgFold, AKeyInTheTableAndInSlotsOnTwoCpusAddsUpOnce) {
  const sw_blkg_key key{0x1000, 5};
  const BlkgFold fold = FoldBlkgCounts({InTable(4, key, 3)}, {Slot(0, key, 2), Slot(1, key, 7)});
  ASSERT_EQ(fold.keys.size(), 1u);
  const BlkgKeyCounts& k = fold.keys[0];
  EXPECT_TRUE(k.in_table());
  EXPECT_EQ(k.index, 4u);
  EXPECT_EQ(k.counts.bios, 3u);
  EXPECT_EQ(k.in_slots.bios, 9u);
  EXPECT_EQ(k.Total().bios, 12u);
  EXPECT_EQ(k.Total().bytes, 12u * 4096);
  EXPECT_EQ(k.slots_end - k.slots_begin, 2u);
  for (size_t i = k.slots_begin; i < k.slots_end; ++i) {
    EXPECT_EQ(fold.slots[i].key.blkg, key.blkg);
  }
}

TEST(BlkgFold, KeysOnlyInSlotsOrOnlyInTheTableEachGetOneEntry) {
  const sw_blkg_key table_only{0x1000, 5};
  const sw_blkg_key slots_only{0x2000, 5};
  const sw_blkg_key other_cgroup{0x1000, 6};  // the same blkg, another submitter
  const sw_blkg_key later_index{0x0800, 5};  // before table_only by key, after by index
  const BlkgFold fold = FoldBlkgCounts({InTable(0, table_only, 4), InTable(7, later_index, 1)},
                                       {Slot(1, slots_only, 1), Slot(0, other_cgroup, 2),
                                        Slot(3, slots_only, 5)});
  ASSERT_EQ(fold.keys.size(), 4u);
  // The table's keys in its order, then those only in slots by key.
  EXPECT_EQ(fold.keys[0].key.task_cgroup_id, 5u);
  EXPECT_EQ(fold.keys[0].key.blkg, 0x1000u);
  EXPECT_TRUE(fold.keys[0].in_table());
  EXPECT_EQ(fold.keys[0].index, 0u);
  EXPECT_EQ(fold.keys[0].slots_begin, fold.keys[0].slots_end);
  EXPECT_EQ(fold.keys[0].Total().bios, 4u);

  EXPECT_EQ(fold.keys[1].key.blkg, 0x0800u);
  EXPECT_EQ(fold.keys[1].index, 7u);
  EXPECT_EQ(fold.keys[1].Total().bios, 1u);

  EXPECT_EQ(fold.keys[2].key.task_cgroup_id, 6u);
  EXPECT_FALSE(fold.keys[2].in_table());
  EXPECT_EQ(fold.keys[2].Total().bios, 2u);

  EXPECT_EQ(fold.keys[3].key.blkg, 0x2000u);
  EXPECT_FALSE(fold.keys[3].in_table());
  EXPECT_EQ(fold.keys[3].counts.bios, 0u);
  EXPECT_EQ(fold.keys[3].slots_end - fold.keys[3].slots_begin, 2u);
  EXPECT_EQ(fold.keys[3].Total().bios, 6u);
  EXPECT_EQ(fold.slots.size(), 3u);
}

TEST(BlkgFold, ManyTableKeysFindTheirSlotsWhateverTheOrder) {
  std::vector<BlkgKeyCounts> table;
  std::vector<BlkgSlots::Occupied> slots;
  for (uint32_t i = 0; i < 1000; ++i) {
    const sw_blkg_key key{0x100000 - i * 0x200ull, i % 3};
    table.push_back(InTable(i, key, 1));
    if (i % 10 == 0) slots.push_back(Slot(i % 4, key, 2));
  }
  const BlkgFold fold = FoldBlkgCounts(table, slots);
  ASSERT_EQ(fold.keys.size(), 1000u);
  uint64_t bios = 0;
  for (uint32_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(fold.keys[i].index, i);
    EXPECT_EQ(fold.keys[i].Total().bios, i % 10 == 0 ? 3u : 1u) << i;
    bios += fold.keys[i].Total().bios;
  }
  EXPECT_EQ(bios, 1000u + 100u * 2);
}

TEST(BlkgFold, NothingInTheMapsIsNoKeys) {
  const BlkgFold fold = FoldBlkgCounts({}, {});
  EXPECT_TRUE(fold.keys.empty());
  EXPECT_TRUE(fold.slots.empty());
}

TEST(BlkgFold, LiveKeysFeedTheirRowsWithTableAndSlotsTogether) {
  const sw_blkg_key key{0x1000, 5};
  CgroupNames names;
  BlkgRows rows(&names);
  rows.Seen(key, Identity(5, 0), 1);
  const BlkgFold fold = FoldBlkgCounts({InTable(0, key, 1)}, {Slot(0, key, 2)});
  rows.BeginSnapshot();
  EXPECT_TRUE(FeedLiveKeys(fold, rows, Keep).empty());
  const std::vector<BlkgRecord> emitted = End(rows);
  ASSERT_EQ(emitted.size(), 1u);
  EXPECT_EQ(emitted[0].bios, 3u);
  EXPECT_EQ(emitted[0].bytes, 3u * 4096);
}

TEST(BlkgFold, AKeyNotSeenYetWaitsAndADoomedKeyIsHandedBackNotCounted) {
  const sw_blkg_key live{0x1000, 5};
  const sw_blkg_key unseen{0x3000, 5};  // its first-seen event is in flight
  const sw_blkg_key gone{0x2000, 9};
  CgroupNames names;
  BlkgRows rows(&names);
  rows.Seen(live, Identity(5, 0), 1);
  rows.Seen(gone, Identity(9, 1), 1);
  const BlkgFold fold =
      FoldBlkgCounts({InTable(0, live, 1), InTable(1, unseen, 8)}, {Slot(2, gone, 4)});
  rows.BeginSnapshot();
  const std::vector<DoomedBlkgKey> doomed =
      FeedLiveKeys(fold, rows, [&](const sw_blkg_key& key, const BlkgRows::Entry& entry) {
        EXPECT_EQ(entry.row_cgroup_id, key.task_cgroup_id);
        return key.task_cgroup_id == 9 ? "cgroup" : nullptr;
      });
  ASSERT_EQ(doomed.size(), 1u);
  EXPECT_STREQ(doomed[0].reason, "cgroup");
  EXPECT_EQ(doomed[0].counts->key.blkg, gone.blkg);
  EXPECT_EQ(doomed[0].counts->Total().bios, 4u);
  const std::vector<BlkgRecord> emitted = End(rows);
  ASSERT_EQ(emitted.size(), 1u);
  EXPECT_EQ(emitted[0].cgroup_id, 5u);
  EXPECT_EQ(emitted[0].bios, 1u);
}

}  // namespace
}  // namespace submitwatch
