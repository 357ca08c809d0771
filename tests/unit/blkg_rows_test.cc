// BlkgRows keeps a row's totals exact while the kernel entries feeding it
// are evicted and re-created; no kernel needed.
#include "collector/blkg_rows.h"

#include <vector>

#include "gtest/gtest.h"

namespace submitwatch {
namespace {

BlkgRecord Identity(uint64_t cgroup_id, uint32_t minor) {
  BlkgRecord r;
  r.cgroup_id = cgroup_id;
  r.cgroup = "/c" + std::to_string(cgroup_id);
  r.dev_major = 7;
  r.dev_minor = minor;
  r.disk = "loop" + std::to_string(minor);
  r.blkg_cgroup_id = cgroup_id;
  r.first_seen_ns = 100;
  return r;
}

struct Snapshot {
  std::vector<BlkgRecord> emitted;
};

Snapshot End(BlkgRows& rows, bool forget_all = false) {
  Snapshot s;
  rows.EndSnapshot(
      1000, [&](BlkgRecord r) { s.emitted.push_back(std::move(r)); },
      [&](uint64_t) { return forget_all; });
  return s;
}

TEST(BlkgRows, EmitsARowOnlyWhenItsTotalsChange) {
  CgroupNames names;
  BlkgRows rows(&names);
  const sw_blkg_key key{0x1000, 5};
  rows.Seen(key, Identity(5, 0), 1);
  rows.BeginSnapshot();
  rows.Live(key, {3, 12288});
  Snapshot first = End(rows);
  ASSERT_EQ(first.emitted.size(), 1u);
  EXPECT_EQ(first.emitted[0].bios, 3u);
  EXPECT_EQ(first.emitted[0].bytes, 12288u);
  EXPECT_EQ(first.emitted[0].ts_ns, 1000u);
  EXPECT_EQ(first.emitted[0].disk, "loop0");

  rows.BeginSnapshot();
  rows.Live(key, {3, 12288});
  EXPECT_TRUE(End(rows).emitted.empty());
}

TEST(BlkgRows, EvictedEntriesKeepCountingInTheirRow) {
  CgroupNames names;
  BlkgRows rows(&names);
  const sw_blkg_key old_key{0x1000, 5};
  rows.Seen(old_key, Identity(5, 0), 1);
  rows.BeginSnapshot();
  rows.Live(old_key, {2, 8192});
  End(rows);

  // The disk went away: the entry leaves with one more bio than last seen.
  rows.BeginSnapshot();
  rows.Retire(old_key, {3, 12288});
  EXPECT_FALSE(rows.Find(old_key));
  Snapshot after_evict = End(rows);
  ASSERT_EQ(after_evict.emitted.size(), 1u);
  EXPECT_EQ(after_evict.emitted[0].bios, 3u);

  // The same cgroup writes to the re-created disk of the same name: a new
  // blkg, a new entry, the same row, which adds up both.
  const sw_blkg_key new_key{0x2000, 5};
  rows.Seen(new_key, Identity(5, 0), 2);
  ASSERT_TRUE(rows.Find(new_key));
  EXPECT_EQ(rows.Find(new_key)->diskseq, 2u);
  rows.BeginSnapshot();
  rows.Live(new_key, {4, 16384});
  Snapshot later = End(rows);
  ASSERT_EQ(later.emitted.size(), 1u);
  EXPECT_EQ(later.emitted[0].bios, 7u);
  EXPECT_EQ(later.emitted[0].bytes, 28672u);
  EXPECT_EQ(rows.rows(), 1u);
}

// An eviction that could take only part of an entry's counts (a slot changed
// under the collector) keeps the entry: the rest is live, taken later.
TEST(BlkgRows, APartlyRetiredEntryStaysUntilTheRestIsTaken) {
  CgroupNames names;
  BlkgRows rows(&names);
  const sw_blkg_key key{0x1000, 5};
  rows.Seen(key, Identity(5, 0), 1);
  rows.BeginSnapshot();
  rows.Live(key, {5, 20480});
  End(rows);

  rows.BeginSnapshot();
  rows.Retire(key, {3, 12288}, /*keep_entry=*/true);
  rows.Live(key, {2, 8192});
  EXPECT_TRUE(rows.Find(key));
  EXPECT_TRUE(End(rows, /*forget_all=*/true).emitted.empty());  // still 5 bios
  EXPECT_EQ(rows.rows(), 1u);

  rows.BeginSnapshot();
  rows.Retire(key, {3, 12288});
  EXPECT_FALSE(rows.Find(key));
  Snapshot last = End(rows);
  ASSERT_EQ(last.emitted.size(), 1u);
  EXPECT_EQ(last.emitted[0].bios, 6u);  // one more bio arrived before the rest was taken
  EXPECT_EQ(last.emitted[0].bytes, 24576u);
}

TEST(BlkgRows, RowsAreForgottenOnlyWithoutEntriesAndOnceEmitted) {
  CgroupNames names;
  BlkgRows rows(&names);
  const sw_blkg_key a{0x1000, 5}, b{0x1000, 6};
  rows.Seen(a, Identity(5, 0), 1);
  rows.Seen(b, Identity(6, 0), 1);
  rows.BeginSnapshot();
  rows.Live(b, {1, 4096});
  rows.Retire(a, {2, 8192});
  // Row a is emitted with its final count, then forgotten; b has a live entry.
  Snapshot s = End(rows, /*forget_all=*/true);
  ASSERT_EQ(s.emitted.size(), 2u);
  EXPECT_EQ(rows.rows(), 1u);
  EXPECT_EQ(rows.entries(), 1u);
}

TEST(BlkgRows, AnnouncingAnEntryTwiceDoesNotDoubleItsRow) {
  CgroupNames names;
  BlkgRows rows(&names);
  const sw_blkg_key key{0x1000, 5};
  rows.Seen(key, Identity(5, 0), 1);
  rows.Seen(key, Identity(5, 0), 1);
  rows.BeginSnapshot();
  rows.Live(key, {1, 4096});
  rows.Retire(key, {1, 4096});
  End(rows, /*forget_all=*/true);
  EXPECT_EQ(rows.rows(), 0u);
}

// Rows keep ids and hold their cgroups' paths in the shared names: one copy
// per cgroup, there until the last row naming a removed cgroup is dropped.
TEST(BlkgRows, RowsHoldTheirCgroupsPathsUntilTheyAreForgotten) {
  CgroupNames names;
  BlkgRows rows(&names);
  names.Set(5, "/c5");
  BlkgRecord identity = Identity(5, 0);
  identity.cgroup = identity.blkg_cgroup = "cgroup-5";  // what a late lookup would say
  const sw_blkg_key a{0x1000, 5}, b{0x2000, 5};
  rows.Seen(a, identity, 1);
  identity.dev_minor = 1;
  identity.disk = "loop1";
  rows.Seen(b, identity, 1);
  EXPECT_EQ(names.size(), 1u);

  names.Forget(5);  // the cgroup was removed; its rows still name it
  rows.BeginSnapshot();
  rows.Retire(a, {1, 4096});
  rows.Retire(b, {2, 8192});
  Snapshot last = End(rows, /*forget_all=*/true);
  ASSERT_EQ(last.emitted.size(), 2u);
  EXPECT_EQ(last.emitted[0].cgroup, "/c5");
  EXPECT_EQ(last.emitted[0].blkg_cgroup, "/c5");
  EXPECT_EQ(last.emitted[0].disk, "loop0");
  EXPECT_EQ(last.emitted[1].disk, "loop1");
  EXPECT_EQ(rows.rows(), 0u);
  EXPECT_EQ(names.Find(5), nullptr);
}

TEST(BlkgRows, AKernelThreadsRowNamesOnlyTheBlkgsCgroup) {
  CgroupNames names;
  BlkgRows rows(&names);
  names.Set(9, "/owner");
  BlkgRecord identity = Identity(0, 0);
  identity.kthread = true;
  identity.cgroup.clear();
  identity.blkg_cgroup_id = 9;
  const sw_blkg_key key{0x1000, 0};
  rows.Seen(key, identity, 1);
  rows.BeginSnapshot();
  rows.Live(key, {1, 4096});
  Snapshot s = End(rows);
  ASSERT_EQ(s.emitted.size(), 1u);
  EXPECT_TRUE(s.emitted[0].kthread);
  EXPECT_EQ(s.emitted[0].cgroup, "");
  EXPECT_EQ(s.emitted[0].blkg_cgroup, "/owner");
  EXPECT_EQ(names.size(), 1u);
}

}  // namespace
}  // namespace submitwatch
