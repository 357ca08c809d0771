#include "model/readiness.h"

#include "gtest/gtest.h"

namespace submitwatch {
namespace {

BlkgRecord Row(uint64_t cgroup_id, uint64_t blkg_cgroup_id, bool online, bool has_stats,
               bool kthread = false) {
  BlkgRecord r;
  r.cgroup_id = cgroup_id;
  r.blkg_cgroup_id = blkg_cgroup_id;
  r.online = online;
  r.has_stats = has_stats;
  r.kthread = kthread;
  return r;
}

TEST(ReadinessNames, RoundTrip) {
  EXPECT_EQ(ReadinessName(Readiness::kReady), "ready");
  EXPECT_EQ(ReadinessName(Readiness::kFallback), "fallback");
  EXPECT_EQ(ReadinessName(Readiness::kFailed), "failed");
  EXPECT_EQ(ReadinessName(Readiness::kPending), "pending");
  for (Readiness r : {Readiness::kReady, Readiness::kFallback, Readiness::kFailed,
                      Readiness::kPending}) {
    EXPECT_EQ(ParseReadiness(ReadinessName(r)), r);
  }
  EXPECT_EQ(ParseReadiness("READY"), Readiness::kReady);
  EXPECT_EQ(ParseReadiness("done"), std::nullopt);
}

TEST(RowReadiness, OwnBlkg) {
  EXPECT_EQ(RowReadiness(Row(10, 10, true, true)), Readiness::kReady);
  EXPECT_EQ(RowReadiness(Row(10, 10, true, false)), Readiness::kPending);
  EXPECT_EQ(RowReadiness(Row(10, 10, false, true)), Readiness::kPending);
  EXPECT_EQ(RowReadiness(Row(10, 10, false, false)), Readiness::kPending);
}

TEST(RowReadiness, AncestorBlkgIsFallback) {
  EXPECT_EQ(RowReadiness(Row(10, 1, true, true)), Readiness::kFallback);
  EXPECT_EQ(RowReadiness(Row(10, 5, false, false)), Readiness::kFallback);
}

TEST(RowReadiness, KernelThreadsNeverFallBack) {
  EXPECT_EQ(RowReadiness(Row(0, 30, true, true, /*kthread=*/true)), Readiness::kReady);
  EXPECT_EQ(RowReadiness(Row(0, 30, true, false, /*kthread=*/true)), Readiness::kPending);
  EXPECT_TRUE(IsOwnBlkg(Row(0, 30, false, false, /*kthread=*/true)));
  EXPECT_FALSE(IsOwnBlkg(Row(10, 1, true, true)));
}

}  // namespace
}  // namespace submitwatch
