// Model::CgroupRowsSince: the same table as CgroupRows(), whatever changed
// between two calls, with the rows of unchanged pairs shared; and the pair
// order kept by merging new pairs in, however many arrive at once.
#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "model/model.h"

namespace submitwatch {
namespace {

BlkgRecord Pair(int cgroup, int disk, uint64_t bios, uint64_t ts, bool fallback = false) {
  BlkgRecord r;
  r.ts_ns = ts;
  r.first_seen_ns = 1;
  r.cgroup_id = 100 + static_cast<uint64_t>(cgroup);
  r.cgroup = absl::StrCat("/pods/p", cgroup % 7, "/c", cgroup);
  r.dev_major = 8;
  r.dev_minor = static_cast<uint32_t>(disk * 16);
  r.disk = std::string("sd") + static_cast<char>('a' + disk);
  r.blkg_cgroup_id = fallback ? 1 : r.cgroup_id;
  r.blkg_cgroup = fallback ? "/" : r.cgroup;
  r.online = true;
  r.has_stats = !fallback;
  r.bios = bios;
  r.bytes = bios * 512;
  return r;
}

// The rows as values, comparable with CgroupRows().
std::vector<CgroupRow> Values(const SharedCgroupRows& shared) {
  std::vector<CgroupRow> out;
  for (const auto& row : shared.rows) out.push_back(*row);
  return out;
}

void ExpectSameRows(const std::vector<CgroupRow>& got, const std::vector<CgroupRow>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].cgroup, want[i].cgroup) << i;
    EXPECT_EQ(got[i].disk, want[i].disk) << i;
    EXPECT_EQ(got[i].state, want[i].state) << i;
    EXPECT_EQ(got[i].bios, want[i].bios) << i;
    EXPECT_EQ(got[i].bytes, want[i].bytes) << i;
    EXPECT_EQ(got[i].elsewhere_bios, want[i].elsewhere_bios) << i;
    EXPECT_EQ(got[i].charged_to, want[i].charged_to) << i;
    EXPECT_EQ(got[i].last_ts_ns, want[i].last_ts_ns) << i;
  }
}

TEST(ModelSharedRows, NothingChangedIsTheSameTable) {
  Model model;
  model.Add(Pair(1, 0, 10, 100));
  model.Add(Pair(2, 1, 20, 100, /*fallback=*/true));
  std::shared_ptr<const SharedCgroupRows> first = model.CgroupRowsSince(nullptr);
  ExpectSameRows(Values(*first), model.CgroupRows());
  EXPECT_EQ(model.CgroupRowsSince(first), first);
  // A record older than what the pair shows changes nothing.
  model.Add(Pair(1, 0, 5, 50));
  EXPECT_EQ(model.CgroupRowsSince(first), first);
}

TEST(ModelSharedRows, OnlyChangedPairsGetNewRows) {
  Model model;
  for (int c = 0; c < 50; ++c) model.Add(Pair(c, c % 3, 10, 100, c % 5 == 4));
  std::shared_ptr<const SharedCgroupRows> first = model.CgroupRowsSince(nullptr);
  model.Add(Pair(7, 7 % 3, 99, 200));
  std::shared_ptr<const SharedCgroupRows> second = model.CgroupRowsSince(first);
  ASSERT_NE(second, first);
  ExpectSameRows(Values(*second), model.CgroupRows());
  size_t shared = 0;
  for (const auto& row : second->rows) {
    const bool reused = std::find(first->rows.begin(), first->rows.end(), row) != first->rows.end();
    if (row->cgroup == "/pods/p0/c7") {
      EXPECT_FALSE(reused);
      EXPECT_EQ(row->bios, 99u);
    } else {
      shared += reused;
    }
  }
  EXPECT_EQ(shared, second->rows.size() - 1);
}

TEST(ModelSharedRows, MatchesCgroupRowsThroughRandomChanges) {
  std::mt19937 rng(7);
  Model model;
  std::shared_ptr<const SharedCgroupRows> table;
  uint64_t ts = 100;
  for (int round = 0; round < 40; ++round) {
    ts += 10;
    // New pairs, changed counts, pairs turning ready or falling back.
    const int records = static_cast<int>(rng() % 60);
    for (int i = 0; i < records; ++i) {
      const int cgroup = static_cast<int>(rng() % 300);
      model.Add(Pair(cgroup, cgroup % 4, ts + rng() % 1000, ts, rng() % 6 == 0));
    }
    if (round == 20) model.Clear();
    table = model.CgroupRowsSince(table);
    ExpectSameRows(Values(*table), model.CgroupRows());
  }
}

// The rows held in batches stay within twice the rows shown, and the
// batches few, however the changes spread over the frames.
TEST(ModelSharedRows, BatchesHoldAtMostTwiceTheRowsShown) {
  std::mt19937 rng(11);
  Model model;
  for (int c = 0; c < 2000; ++c) model.Add(Pair(c, c % 2, 1, 100));
  std::shared_ptr<const SharedCgroupRows> table = model.CgroupRowsSince(nullptr);
  uint64_t ts = 100;
  for (int round = 0; round < 60; ++round) {
    ts += 10;
    // From a tenth of the pairs to a handful: old batches thin out slowly.
    const int changes = round % 2 == 0 ? 200 : 5;
    for (int i = 0; i < changes; ++i) {
      const int c = static_cast<int>(rng() % 2000);
      model.Add(Pair(c, c % 2, ts, ts));
    }
    table = model.CgroupRowsSince(table);
    size_t held = 0;
    for (const auto& batch : table->batches) held += batch->size();
    EXPECT_LE(held, 2 * table->rows.size()) << "round " << round;
    EXPECT_LE(table->batches.size(), 33u) << "round " << round;
    ExpectSameRows(Values(*table), model.CgroupRows());
  }
}

// serve forgets removed cgroups between tables; the pairs left are
// renumbered, and what follows must still be the table CgroupRows() builds,
// in order, and go on taking records.
TEST(ModelSharedRows, ForgettingCgroupsBetweenTablesKeepsTheRestRight) {
  std::mt19937 rng(11);
  Model model;
  std::shared_ptr<const SharedCgroupRows> table;
  uint64_t ts = 100;
  for (int round = 0; round < 30; ++round) {
    ts += 10;
    for (int i = 0; i < 40; ++i) {
      const int cgroup = static_cast<int>(rng() % 200);
      model.Add(Pair(cgroup, cgroup % 3, ts + rng() % 1000, ts, rng() % 7 == 0));
    }
    table = model.CgroupRowsSince(table);
    if (round % 3 == 2) {
      absl::flat_hash_set<uint64_t> gone;
      for (int i = 0; i < 15; ++i) gone.insert(100 + rng() % 200);
      model.ForgetCgroups(gone);
      for (const CgroupRow& row : model.CgroupRows()) EXPECT_FALSE(gone.contains(row.cgroup_id));
    }
    table = model.CgroupRowsSince(table);
    ExpectSameRows(Values(*table), model.CgroupRows());
  }
}

TEST(ModelSharedRows, AFailedAllocationIsJoinedIn) {
  Model model;
  model.Add(Pair(1, 0, 10, 100, /*fallback=*/true));
  std::shared_ptr<const SharedCgroupRows> first = model.CgroupRowsSince(nullptr);
  AllocRecord failed;
  failed.ts_ns = 150;
  failed.failed = true;
  failed.context = kContextSubmit;
  failed.cgroup_id = 101;
  failed.cgroup = "/pods/p1/c1";
  failed.site = "blkg_alloc";
  model.Add(failed);
  std::shared_ptr<const SharedCgroupRows> second = model.CgroupRowsSince(first);
  ExpectSameRows(Values(*second), model.CgroupRows());
  ASSERT_EQ(second->rows.size(), 1u);
  EXPECT_EQ(second->rows[0]->state, Readiness::kFailed);
  EXPECT_EQ(second->rows[0]->failed_allocs, 1u);
}

// Pairs arriving many at a time, in any order, come out in path order, as
// one at a time would.
TEST(ModelSharedRows, ManyNewPairsAtOnceAreOrderedByPath) {
  std::vector<int> cgroups(2000);
  for (int i = 0; i < 2000; ++i) cgroups[i] = i;
  std::shuffle(cgroups.begin(), cgroups.end(), std::mt19937(3));
  Model at_once;
  Model one_by_one;
  for (int c : cgroups) {
    at_once.Add(Pair(c, 0, 1, 100));
    one_by_one.Add(Pair(c, 0, 1, 100));
    one_by_one.CgroupRows();  // settles each one on its own
  }
  const std::vector<CgroupRow> rows = at_once.CgroupRows();
  ExpectSameRows(rows, one_by_one.CgroupRows());
  EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end(), [](const CgroupRow& a, const CgroupRow& b) {
    return a.cgroup < b.cgroup;
  }));
}

// A cgroup renamed (a later snapshot with another path) moves to its new
// place; the place it left is gone.
TEST(ModelSharedRows, ARenamedCgroupMovesOnce) {
  Model model;
  for (int c = 0; c < 10; ++c) model.Add(Pair(c, 0, 1, 100));
  model.CgroupRows();
  BlkgRecord renamed = Pair(3, 0, 2, 200);
  renamed.cgroup = "/aaa-renamed";
  renamed.blkg_cgroup = renamed.cgroup;
  model.Add(renamed);
  model.Add(Pair(11, 0, 1, 200));
  const std::vector<CgroupRow> rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 11u);
  EXPECT_EQ(rows[0].cgroup, "/aaa-renamed");
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(),
                          [](const CgroupRow& r) { return r.cgroup_id == 103; }),
            1);
  std::shared_ptr<const SharedCgroupRows> shared = model.CgroupRowsSince(nullptr);
  ExpectSameRows(Values(*shared), rows);
}

}  // namespace
}  // namespace submitwatch
