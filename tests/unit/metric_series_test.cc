#include "sinks/export/metric_series.h"

#include <gtest/gtest.h>

#include "model/model.h"

namespace submitwatch {
namespace {

CgroupRow Pair(uint64_t id, std::string path, std::string disk, uint64_t bios,
               Readiness state = Readiness::kReady) {
  CgroupRow row;
  row.cgroup_id = id;
  row.cgroup = std::move(path);
  row.disk = std::move(disk);
  row.bios = bios;
  row.bytes = bios * 4096;
  row.state = state;
  return row;
}

TEST(FoldCgroupPathTest, KeepsAtMostDepthComponents) {
  EXPECT_EQ(FoldCgroupPath("/a/b/c", 2), "/a/b");
  EXPECT_EQ(FoldCgroupPath("/a/b/c", 3), "/a/b/c");
  EXPECT_EQ(FoldCgroupPath("/a/b/c", 9), "/a/b/c");
  EXPECT_EQ(FoldCgroupPath("/a/b/c", 1), "/a");
  EXPECT_EQ(FoldCgroupPath("/a/b/c", 0), "/");
  EXPECT_EQ(FoldCgroupPath("/", 1), "/");
  EXPECT_EQ(FoldCgroupPath("/a/b/c", kUnlimitedCgroupDepth), "/a/b/c");
}

TEST(MetricSeriesTest, EachPairIsItsOwnSeriesWithoutFolding) {
  MetricSeries series;
  std::vector<CgroupSeries> out = series.Cgroups(
      {Pair(2, "/b", "loop1", 3), Pair(1, "/a", "loop1", 5, Readiness::kFallback)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].cgroup, "/a");  // sorted
  EXPECT_EQ(out[0].bios, 5u);
  EXPECT_EQ(out[0].bytes, 5u * 4096);
  EXPECT_EQ(out[0].states, (std::array<bool, 4>{false, false, true, false}));
  EXPECT_FALSE(out[0].time_to_ready_ns);
  EXPECT_EQ(out[1].cgroup, "/b");
  EXPECT_EQ(out[1].states, (std::array<bool, 4>{true, false, false, false}));
}

TEST(MetricSeriesTest, FoldsDeepCgroupsIntoTheirAncestor) {
  MetricSeries series(1);
  CgroupRow slow = Pair(11, "/pods/a/c1", "sda", 10);
  slow.time_to_ready_ns = 7000;
  CgroupRow fast = Pair(12, "/pods/b", "sda", 20);
  fast.time_to_ready_ns = 3000;
  CgroupRow waiting = Pair(13, "/pods/b/c2", "sda", 1, Readiness::kPending);
  waiting.elsewhere_bios = 1;
  std::vector<CgroupSeries> out =
      series.Cgroups({slow, fast, waiting, Pair(14, "/pods/a", "sdb", 4)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].cgroup, "/pods");
  EXPECT_EQ(out[0].disk, "sda");
  EXPECT_EQ(out[0].bios, 31u);
  EXPECT_EQ(out[0].elsewhere_bios, 1u);
  EXPECT_EQ(out[0].states, (std::array<bool, 4>{true, true, false, false}));
  EXPECT_EQ(out[0].time_to_ready_ns, 7000u);  // the longest
  EXPECT_EQ(out[1].disk, "sdb");
  EXPECT_EQ(out[1].bios, 4u);
}

TEST(MetricSeriesTest, KernelThreadPairsAreSeparateSeries) {
  MetricSeries series;
  CgroupRow kthread = Pair(1, "/a", "sda", 2);
  kthread.kthread = true;
  std::vector<CgroupSeries> out = series.Cgroups({Pair(1, "/a", "sda", 5), kthread});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].kthread);
  EXPECT_TRUE(out[1].kthread);
}

TEST(MetricSeriesTest, RemovedPairsKeepTheirCountsWhileTheirSeriesLives) {
  MetricSeries series(1);
  Model::Forgotten gone;
  gone.cgroups.push_back(Pair(21, "/pods/old", "sda", 100));
  series.Retire(gone);
  // A sibling still lives in the folded series: the counter does not drop.
  std::vector<CgroupSeries> out = series.Cgroups({Pair(22, "/pods/new", "sda", 1)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bios, 101u);
  out = series.Cgroups({Pair(22, "/pods/new", "sda", 2)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bios, 102u);
  // The last pair gone: the series goes, and the retired counts with it.
  EXPECT_TRUE(series.Cgroups({}).empty());
  out = series.Cgroups({Pair(23, "/pods/again", "sda", 1)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bios, 1u);
}

TEST(MetricSeriesTest, ARemovedCgroupsSeriesDisappearsWithoutFolding) {
  MetricSeries series;
  Model::Forgotten gone;
  gone.cgroups.push_back(Pair(31, "/gone", "sda", 9));
  series.Retire(gone);
  std::vector<CgroupSeries> out = series.Cgroups({Pair(32, "/kept", "sda", 1)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].cgroup, "/kept");
  EXPECT_EQ(out[0].bios, 1u);
}

TEST(MetricSeriesTest, AllocationsSumPerSiteAllocatorAndVerdictAndNeverGoBack) {
  MetricSeries series;
  const std::vector<AllocCount> live = {
      {"blkg_alloc", Allocator::kPercpu, Verdict::kAtomic, 1, 2, 0, 960},
      {"blkg_alloc", Allocator::kPercpu, Verdict::kAtomic, 2, 3, 1, 1440},
      {"blk_throtl", Allocator::kPercpu, Verdict::kUnsafe, 2, 1, 0, 64},
  };
  std::vector<AllocSeries> out = series.Allocs(live);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].site, "blk_throtl");
  EXPECT_EQ(out[0].verdict, Verdict::kUnsafe);
  EXPECT_EQ(out[1].site, "blkg_alloc");
  EXPECT_EQ(out[1].count, 5u);
  EXPECT_EQ(out[1].failed, 1u);
  EXPECT_EQ(out[1].bytes, 2400u);

  Model::Forgotten gone;
  gone.allocs.push_back(live[0]);
  series.Retire(gone);
  out = series.Allocs({live[1], live[2]});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].count, 5u);
  EXPECT_EQ(out[1].bytes, 2400u);
}

}  // namespace
}  // namespace submitwatch
