#include "model/units.h"

#include "gtest/gtest.h"
#include "model/histogram.h"

namespace submitwatch {
namespace {

TEST(FormatDuration, PicksTheUnit) {
  EXPECT_EQ(FormatDuration(0), "0ns");
  EXPECT_EQ(FormatDuration(999), "999ns");
  EXPECT_EQ(FormatDuration(1500), "1.5us");
  EXPECT_EQ(FormatDuration(2'500'000), "2.5ms");
  EXPECT_EQ(FormatDuration(1'500'000'000), "1.50s");
  EXPECT_EQ(FormatDuration(200'000'000'000), "3m20s");
}

TEST(FormatBytes, PicksTheUnit) {
  EXPECT_EQ(FormatBytes(0), "0B");
  EXPECT_EQ(FormatBytes(1023), "1023B");
  EXPECT_EQ(FormatBytes(4096), "4.0KiB");
  EXPECT_EQ(FormatBytes(3 * 1024 * 1024 / 2), "1.5MiB");
  EXPECT_EQ(FormatBytes(uint64_t{2} << 30), "2.0GiB");
}

TEST(Log2Percentile, UpperBoundOfTheBucket) {
  EXPECT_EQ(Log2Percentile({}, 50), 0u);
  EXPECT_EQ(Log2Percentile({0, 0, 0}, 99), 0u);
  // One value in [4, 8): every percentile is 8.
  EXPECT_EQ(Log2Percentile({0, 0, 1}, 50), 8u);
  EXPECT_EQ(Log2Percentile({0, 0, 1}, 99), 8u);
  // 90 in [1024, 2048), 10 in [2^20, 2^21).
  std::vector<uint64_t> h(40);
  h[10] = 90;
  h[20] = 10;
  EXPECT_EQ(Log2Percentile(h, 50), 2048u);
  EXPECT_EQ(Log2Percentile(h, 90), 2048u);
  EXPECT_EQ(Log2Percentile(h, 91), uint64_t{1} << 21);
  EXPECT_EQ(Log2Percentile(h, 99), uint64_t{1} << 21);
  EXPECT_EQ(Log2Percentile(h, 100), uint64_t{1} << 21);
}

TEST(Log2Percentiles, SameAsLog2PercentileAt50And99) {
  const std::vector<std::vector<uint64_t>> histograms = {
      {},
      {0, 0, 0},
      {0, 0, 1},
      {5, 0, 0, 7, 1},
      {0, 99, 1},
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10},
      // The total wraps around: no rank is reached.
      {~uint64_t{0}, 0, 2},
      {uint64_t{1} << 63, uint64_t{1} << 63, 5},
  };
  for (const std::vector<uint64_t>& h : histograms) {
    const Log2P50P99 p = Log2Percentiles(h);
    EXPECT_EQ(p.p50, Log2Percentile(h, 50));
    EXPECT_EQ(p.p99, Log2Percentile(h, 99));
  }
}

TEST(Log2Max, HighestNonEmptyBucket) {
  EXPECT_EQ(Log2Max({}), 0u);
  EXPECT_EQ(Log2Max({1, 0, 3, 0}), 8u);
}

TEST(Log2Subtract, BucketwiseNeverNegative) {
  EXPECT_EQ(Log2Subtract({5, 3, 2}, {1, 4}), (std::vector<uint64_t>{4, 0, 2}));
}

}  // namespace
}  // namespace submitwatch
