// The model's tables from synthetic records, with exact values.
#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"
#include "model/gfp.h"
#include "model/model.h"

namespace submitwatch {
namespace {

constexpr uint64_t kRoot = 1;
constexpr uint64_t kParent = 5;
constexpr uint64_t kChild = 10;

BlkgRecord Blkg(uint64_t ts, uint64_t cgroup_id, const std::string& cgroup,
                uint64_t blkg_cgroup_id, const std::string& blkg_cgroup, uint64_t bios,
                uint64_t first_seen, bool online = true, bool has_stats = true) {
  BlkgRecord r;
  r.ts_ns = ts;
  r.first_seen_ns = first_seen;
  r.cgroup_id = cgroup_id;
  r.cgroup = cgroup;
  r.dev_major = 7;
  r.dev_minor = 0;
  r.disk = "loop0";
  r.blkg_cgroup_id = blkg_cgroup_id;
  r.blkg_cgroup = blkg_cgroup;
  r.online = online;
  r.has_stats = has_stats;
  r.bios = bios;
  r.bytes = bios * 4096;
  return r;
}

BlkgRecord KthreadBlkg(uint64_t ts, uint64_t blkg_cgroup_id, const std::string& blkg_cgroup,
                       uint64_t bios, bool ready) {
  BlkgRecord r = Blkg(ts, 0, "/", blkg_cgroup_id, blkg_cgroup, bios, ts, ready, ready);
  r.kthread = true;
  return r;
}

AllocRecord Alloc(uint64_t ts, uint64_t gfp, uint32_t context = kContextSubmit,
                  const std::string& comm = "fio", uint32_t pid = 100) {
  AllocRecord r;
  r.ts_ns = ts;
  r.allocator = Allocator::kPercpu;
  r.site = "blkg_alloc";
  r.site_offset = "blkg_alloc+0x4f";
  r.gfp_raw = gfp;
  r.context = context;
  r.size = 8;
  r.bytes = 64;
  r.cgroup_id = kChild;
  r.cgroup = "/a/b";
  r.pid = pid;
  r.tid = pid;
  r.comm = comm;
  r.stack = {"pcpu_alloc_noprof+0x1a", "blkg_alloc+0x4f", "blkg_create+0x9c"};
  return r;
}

WqRecord Wq(uint64_t ts, const std::string& function, uint64_t executed) {
  WqRecord r;
  r.ts_ns = ts;
  r.function = function;
  r.queued = executed + 1;
  r.activated = executed;
  r.executed = executed;
  r.latency_log2.assign(40, 0);
  r.runtime_log2.assign(40, 0);
  return r;
}

// --- cgroups -----------------------------------------------------------------

TEST(CgroupRows, LaterSnapshotReplacesEarlier) {
  Model model;
  model.Add(Blkg(100, kChild, "/a/b", kChild, "/a/b", 5, 50));
  model.Add(Blkg(200, kChild, "/a/b", kChild, "/a/b", 9, 50));
  model.Add(Blkg(150, kChild, "/a/b", kChild, "/a/b", 7, 50));  // stale
  const auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].cgroup, "/a/b");
  EXPECT_EQ(rows[0].cgroup_id, kChild);
  EXPECT_EQ(rows[0].disk, "loop0");
  EXPECT_EQ(rows[0].dev_major, 7u);
  EXPECT_EQ(rows[0].state, Readiness::kReady);
  EXPECT_EQ(rows[0].bios, 9u);
  EXPECT_EQ(rows[0].bytes, 9u * 4096);
  EXPECT_EQ(rows[0].own_bios, 9u);
  EXPECT_EQ(rows[0].elsewhere_bios, 0u);
  EXPECT_EQ(rows[0].charged_to, "");
  EXPECT_EQ(rows[0].first_io_ns, 50u);
  EXPECT_EQ(rows[0].ready_ns, 50u);
  EXPECT_EQ(rows[0].time_to_ready_ns, 0u);
  EXPECT_EQ(rows[0].last_ts_ns, 200u);
}

TEST(CgroupRows, FallbackThenReady) {
  Model model;
  model.Add(Blkg(5000, kChild, "/a/b", kRoot, "/", 3, 1000));
  model.Add(Blkg(5000, kChild, "/a/b", kParent, "/a", 1, 1500));
  {
    const auto rows = model.CgroupRows();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].state, Readiness::kFallback);
    EXPECT_EQ(rows[0].bios, 4u);
    EXPECT_EQ(rows[0].own_bios, 0u);
    EXPECT_EQ(rows[0].elsewhere_bios, 4u);
    EXPECT_EQ(rows[0].elsewhere_bytes, 4u * 4096);
    EXPECT_EQ(rows[0].charged_to, "/");
    EXPECT_EQ(rows[0].first_io_ns, 1000u);
    EXPECT_EQ(rows[0].ready_ns, 0u);
    EXPECT_EQ(rows[0].time_to_ready_ns, 0u);
  }
  model.Add(Blkg(6000, kChild, "/a/b", kChild, "/a/b", 7, 4000));
  const auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, Readiness::kReady);
  EXPECT_EQ(rows[0].bios, 11u);
  EXPECT_EQ(rows[0].bytes, 11u * 4096);
  EXPECT_EQ(rows[0].own_bios, 7u);
  EXPECT_EQ(rows[0].own_bytes, 7u * 4096);
  EXPECT_EQ(rows[0].elsewhere_bios, 4u);
  EXPECT_EQ(rows[0].charged_to, "/");
  EXPECT_EQ(rows[0].first_io_ns, 1000u);
  EXPECT_EQ(rows[0].ready_ns, 4000u);
  EXPECT_EQ(rows[0].time_to_ready_ns, 3000u);
  EXPECT_EQ(rows[0].last_ts_ns, 6000u);
}

TEST(CgroupRows, ChargedToIsTheAncestorChargedMost) {
  Model model;
  model.Add(Blkg(100, kChild, "/a/b", kRoot, "/", 2, 10));
  model.Add(Blkg(100, kChild, "/a/b", kParent, "/a", 6, 20));
  const auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].charged_to, "/a");
}

TEST(CgroupRows, PendingThenReadyWhenTheKernelCatchesUp) {
  Model model;
  model.Add(Blkg(1000, kChild, "/a/b", kChild, "/a/b", 1, 900, /*online=*/false, false));
  auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, Readiness::kPending);
  EXPECT_EQ(rows[0].ready_ns, 0u);
  model.Add(Blkg(9000, kChild, "/a/b", kChild, "/a/b", 4, 900, true, true));
  rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, Readiness::kReady);
  // Turned ready between the two snapshots: the later one dates it.
  EXPECT_EQ(rows[0].ready_ns, 9000u);
  EXPECT_EQ(rows[0].time_to_ready_ns, 8100u);
}

TEST(CgroupRows, FailedAllocationWithoutBiosMakesARow) {
  Model model;
  AllocRecord fail = Alloc(700, kGfpNowaitMask);
  fail.failed = true;
  fail.cgroup_id = 20;
  fail.cgroup = "/c";
  model.Add(fail);
  // Outside the submit path a failure says nothing about readiness.
  AllocRecord worker_fail = Alloc(800, kGfpKernelMask, kContextWorker);
  worker_fail.failed = true;
  worker_fail.cgroup_id = 21;
  model.Add(worker_fail);

  auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].cgroup_id, 20u);
  EXPECT_EQ(rows[0].cgroup, "/c");
  EXPECT_EQ(rows[0].disk, "?");
  EXPECT_EQ(rows[0].state, Readiness::kFailed);
  EXPECT_EQ(rows[0].failed_allocs, 1u);
  EXPECT_EQ(rows[0].first_io_ns, 700u);
  EXPECT_EQ(rows[0].bios, 0u);

  // Its bios then fall back: still failed, now with the disk.
  model.Add(Blkg(1000, 20, "/c", kRoot, "/", 3, 750));
  rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].disk, "loop0");
  EXPECT_EQ(rows[0].state, Readiness::kFailed);
  EXPECT_EQ(rows[0].charged_to, "/");
  EXPECT_EQ(rows[0].elsewhere_bios, 3u);

  // A later successful blkg makes it ready; the failure stays counted.
  model.Add(Blkg(2000, 20, "/c", 20, "/c", 2, 1900));
  rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, Readiness::kReady);
  EXPECT_EQ(rows[0].failed_allocs, 1u);
  EXPECT_EQ(rows[0].time_to_ready_ns, 1150u);
}

TEST(CgroupRows, FailedBeatsPending) {
  Model model;
  model.Add(Blkg(1000, kChild, "/a/b", kChild, "/a/b", 1, 900, false, false));
  AllocRecord fail = Alloc(950, kGfpNowaitMask);
  fail.failed = true;
  model.Add(fail);
  const auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, Readiness::kFailed);
  EXPECT_EQ(rows[0].disk, "loop0");
}

TEST(CgroupRows, KernelThreadRowsAreKeyedByTheBlkgCgroup) {
  Model model;
  model.Add(KthreadBlkg(100, 30, "/k", 4, /*ready=*/true));
  model.Add(KthreadBlkg(100, 31, "/j", 2, /*ready=*/false));
  // The same cgroup's own task bios form a separate pair.
  model.Add(Blkg(100, 30, "/k", 30, "/k", 1, 100));
  const auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 3u);
  // Pending before ready; then by path.
  EXPECT_EQ(rows[0].cgroup, "/j");
  EXPECT_TRUE(rows[0].kthread);
  EXPECT_EQ(rows[0].cgroup_id, 31u);
  EXPECT_EQ(rows[0].state, Readiness::kPending);
  EXPECT_EQ(rows[1].cgroup, "/k");
  EXPECT_FALSE(rows[1].kthread);
  EXPECT_EQ(rows[1].bios, 1u);
  EXPECT_EQ(rows[2].cgroup, "/k");
  EXPECT_TRUE(rows[2].kthread);
  EXPECT_EQ(rows[2].cgroup_id, 30u);
  EXPECT_EQ(rows[2].state, Readiness::kReady);
  EXPECT_EQ(rows[2].bios, 4u);
  EXPECT_EQ(rows[2].own_bios, 4u);
  EXPECT_EQ(rows[2].charged_to, "");
}

TEST(CgroupRows, ThrottleCountsJoinTheBlkgCgroupsRow) {
  Model m;
  m.Add(Record(Blkg(1000, 10, "/vm", 10, "/vm", 50, 900)));
  // Only the throttle's worker submitted for /db: its kernel-thread row.
  m.Add(Record(KthreadBlkg(1000, 20, "/db", 8, true)));
  ThrottleRecord t;
  t.ts_ns = 1000;
  t.cgroup_id = 10;
  t.cgroup = "/vm";
  t.dev_major = 7;
  t.disk = "loop0";
  t.throttled = 30;
  t.passed = 20;
  t.queued_ns = 3'000'000;
  t.queued_max_ns = 200'000;
  m.Add(Record(t));
  ThrottleRecord later = t;
  later.ts_ns = 2000;
  later.throttled = 31;
  m.Add(Record(later));
  ThrottleRecord db = t;
  db.cgroup_id = 20;
  db.cgroup = "/db";
  db.throttled = 8;
  db.passed = 0;
  m.Add(Record(db));
  for (const CgroupRow& row : m.CgroupRows()) {
    if (row.cgroup == "/vm") {
      EXPECT_FALSE(row.kthread);
      EXPECT_EQ(row.throttled_bios, 31u);
      EXPECT_EQ(row.passed_bios, 20u);
      EXPECT_EQ(row.throttle_wait_ns, 3'000'000u);
      EXPECT_EQ(row.throttle_wait_max_ns, 200'000u);
    } else {
      EXPECT_EQ(row.cgroup, "/db");
      EXPECT_TRUE(row.kthread);
      EXPECT_EQ(row.throttled_bios, 8u);
      EXPECT_EQ(row.passed_bios, 0u);
    }
  }
  EXPECT_EQ(m.CgroupRows().size(), 2u);
  EXPECT_EQ(m.counts().throttles, 3u);
}

TEST(CgroupRows, ProblemsFirst) {
  Model model;
  model.Add(Blkg(100, 2, "/ready", 2, "/ready", 1, 10));
  model.Add(Blkg(100, 3, "/pending", 3, "/pending", 1, 10, false, false));
  model.Add(Blkg(100, 4, "/fallback", kRoot, "/", 1, 10));
  AllocRecord fail = Alloc(100, kGfpNowaitMask);
  fail.failed = true;
  fail.cgroup_id = 5;
  fail.cgroup = "/failed";
  model.Add(fail);
  const auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].cgroup, "/failed");
  EXPECT_EQ(rows[1].cgroup, "/fallback");
  EXPECT_EQ(rows[2].cgroup, "/pending");
  EXPECT_EQ(rows[3].cgroup, "/ready");
}

TEST(CgroupRows, WithinAStateByPathThenDisk) {
  Model model;
  // Taken in out of order, across disks and kernel threads.
  BlkgRecord b_vdb = Blkg(100, 2, "/b", 2, "/b", 1, 10);
  b_vdb.dev_major = 252;
  b_vdb.disk = "vdb";
  model.Add(b_vdb);
  model.Add(Blkg(100, 3, "/c", 3, "/c", 1, 10));
  model.Add(KthreadBlkg(100, 2, "/b", 1, /*ready=*/true));
  model.Add(Blkg(100, 2, "/b", 2, "/b", 1, 10));
  model.Add(Blkg(100, 1, "/a", 1, "/a", 1, 10));
  const auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].cgroup, "/a");
  EXPECT_EQ(rows[1].cgroup, "/b");
  EXPECT_FALSE(rows[1].kthread);
  EXPECT_EQ(rows[1].disk, "loop0");
  EXPECT_EQ(rows[2].cgroup, "/b");
  EXPECT_FALSE(rows[2].kthread);
  EXPECT_EQ(rows[2].disk, "vdb");
  EXPECT_EQ(rows[3].cgroup, "/b");
  EXPECT_TRUE(rows[3].kthread);
  EXPECT_EQ(rows[4].cgroup, "/c");
}

// Within a state, by path as std::string orders it: paths that share long
// prefixes, end where others go on, or hold bytes above 0x7f; and a second
// batch of pairs, sorted apart and merged in.
TEST(CgroupRows, PathOrderIsTheStringsAcrossLongCommonPrefixes) {
  const std::string base = "/kubepods.slice/kubepods-burstable.slice/pod";
  std::vector<std::string> paths = {
      base + "aaaaaaaa-1", base + "aaaaaaaa-0", base + "aaaaaaaa", base + "aaaaaaa",
      base + "aaaaaaaab",  base + "\xc3\xa9t\xc3\xa9", base + "Z", base + "aaaaaaaa-10",
      base + "a",          base + "aaaaaaaa-0/child"};
  for (int i = 0; i < 200; ++i) paths.push_back(base + "x" + std::to_string(i * 7919 % 1000));
  Model model;
  uint64_t id = 100;
  for (const std::string& path : paths) {
    model.Add(Blkg(100, id, path, id, path, 1, 10));
    ++id;
  }
  std::vector<std::string> expected = paths;
  std::sort(expected.begin(), expected.end());
  const auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), paths.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].cgroup, expected[i]) << i;

  // A second batch placed among the first: sorted apart, then merged.
  model.Add(Blkg(200, 1, base + "aaaaaaaa-05", 1, base + "aaaaaaaa-05", 1, 10));
  model.Add(Blkg(200, 2, base, 2, base, 1, 10));
  expected.push_back(base + "aaaaaaaa-05");
  expected.push_back(base);
  std::sort(expected.begin(), expected.end());
  const auto more = model.CgroupRows();
  ASSERT_EQ(more.size(), expected.size());
  for (size_t i = 0; i < more.size(); ++i) EXPECT_EQ(more[i].cgroup, expected[i]) << i;
}

TEST(CgroupRows, RenamedCgroupMovesToItsNewPlace) {
  Model model;
  model.Add(Blkg(100, 2, "/b", 2, "/b", 1, 10));
  model.Add(Blkg(100, 3, "/c", 3, "/c", 1, 10));
  model.Add(Blkg(200, 3, "/a", 3, "/a", 2, 10));
  auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].cgroup, "/a");
  EXPECT_EQ(rows[0].cgroup_id, 3u);
  EXPECT_EQ(rows[1].cgroup, "/b");

  model.Add(Blkg(300, 3, "/d", 3, "/d", 3, 10));
  rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].cgroup, "/b");
  EXPECT_EQ(rows[1].cgroup, "/d");
  EXPECT_EQ(rows[1].bios, 3u);
}

TEST(CgroupRows, RowIsNamedByItsLatestShownSnapshot) {
  Model model;
  // Own blkg renamed later; the ancestor's row still has the old path.
  model.Add(Blkg(100, kChild, "/old", kRoot, "/", 4, 10));
  model.Add(Blkg(100, kChild, "/old", kChild, "/old", 1, 10));
  model.Add(Blkg(200, kChild, "/new", kChild, "/new", 2, 10));
  model.Add(Blkg(100, 7, "/m", 7, "/m", 1, 10));
  auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].cgroup, "/m");
  EXPECT_EQ(rows[1].cgroup, "/new");
  EXPECT_EQ(rows[1].bios, 6u);

  // Since Clear(), only the ancestor's row has moved: its path shows.
  model.Clear();
  model.Add(Blkg(300, kChild, "/old", kRoot, "/", 9, 10));
  model.Add(Blkg(300, kChild, "/new", kChild, "/new", 2, 10));
  rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].cgroup, "/old");
  EXPECT_EQ(rows[0].bios, 5u);
}

TEST(CgroupRows, FailuresWithoutBiosSortAmongTheFailedPairs) {
  Model model;
  model.Add(Blkg(100, 4, "/m", 4, "/m", 1, 10, /*online=*/false, false));
  model.Add(Blkg(100, 6, "/ready", 6, "/ready", 1, 10));
  for (const auto& [id, path] : std::vector<std::pair<uint64_t, std::string>>{
           {4, "/m"}, {3, "/z"}, {5, "/a"}}) {
    AllocRecord fail = Alloc(100, kGfpNowaitMask);
    fail.failed = true;
    fail.cgroup_id = id;
    fail.cgroup = path;
    model.Add(fail);
  }
  const auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].cgroup, "/a");
  EXPECT_EQ(rows[0].disk, "?");
  EXPECT_EQ(rows[1].cgroup, "/m");
  EXPECT_EQ(rows[1].disk, "loop0");
  EXPECT_EQ(rows[1].state, Readiness::kFailed);
  EXPECT_EQ(rows[2].cgroup, "/z");
  EXPECT_EQ(rows[3].cgroup, "/ready");
}

// --- allocations -------------------------------------------------------------

TEST(AllocRows, GroupsBySiteAllocatorVerdictCgroupComm) {
  Model model;
  model.Add(Alloc(10, kGfpKernelMask, kContextSubmit, "fio", 100));
  model.Add(Alloc(20, kGfpKernelMask, kContextSubmit, "fio", 101));
  model.Add(Alloc(30, kGfpKernelMask | kGfpZero, kContextSubmit | kContextReclaim, "fio", 100));
  model.Add(Alloc(40, kGfpKernelMask, kContextSubmit, "dd", 200));      // other comm
  model.Add(Alloc(50, kGfpNowaitMask, kContextSubmit, "fio", 100));     // other verdict
  const auto rows = model.AllocRows();
  ASSERT_EQ(rows.size(), 3u);

  const AllocRow& fio = rows[0];
  EXPECT_EQ(fio.verdict, Verdict::kUnsafe);
  EXPECT_EQ(fio.site, "blkg_alloc");
  EXPECT_EQ(fio.allocator, Allocator::kPercpu);
  EXPECT_EQ(fio.cgroup, "/a/b");
  EXPECT_EQ(fio.comm, "fio");
  EXPECT_EQ(fio.count, 3u);
  EXPECT_EQ(fio.failed, 0u);
  EXPECT_EQ(fio.bytes, 192u);
  EXPECT_EQ(fio.first_ns, 10u);
  EXPECT_EQ(fio.last_ns, 30u);
  EXPECT_EQ(fio.pids, (std::vector<uint32_t>{100, 101}));
  // Latest record's gfp and context.
  EXPECT_EQ(fio.gfp_raw, kGfpKernelMask | kGfpZero);
  EXPECT_EQ(fio.gfp, "GFP_KERNEL|__GFP_ZERO");
  EXPECT_EQ(fio.effective_gfp, "GFP_KERNEL|__GFP_ZERO");
  EXPECT_EQ(fio.context_text, "submit+reclaim");
  EXPECT_EQ(fio.site_offset, "blkg_alloc+0x4f");
  EXPECT_EQ(fio.cgroup_id, kChild);
  ASSERT_EQ(fio.stacks.size(), 1u);
  EXPECT_EQ(fio.stacks[0].count, 3u);
  EXPECT_EQ(fio.stacks[0].frames->at(1), "blkg_alloc+0x4f");

  EXPECT_EQ(rows[1].verdict, Verdict::kUnsafe);
  EXPECT_EQ(rows[1].comm, "dd");
  EXPECT_EQ(rows[1].count, 1u);
  EXPECT_EQ(rows[2].verdict, Verdict::kAtomic);
  EXPECT_EQ(rows[2].gfp, "GFP_NOWAIT");
}

TEST(AllocRows, UnsafeFirstThenMostFrequent) {
  Model model;
  for (int i = 0; i < 5; ++i) model.Add(Alloc(i, kGfpNowaitMask));           // atomic x5
  for (int i = 0; i < 3; ++i) model.Add(Alloc(i, kGfpKernelMask, kContextWorker));  // outside x3
  model.Add(Alloc(9, kGfpKernelMask));                                          // UNSAFE x1
  const auto rows = model.AllocRows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].verdict, Verdict::kUnsafe);
  EXPECT_EQ(rows[1].verdict, Verdict::kAtomic);
  EXPECT_EQ(rows[1].count, 5u);
  EXPECT_EQ(rows[2].verdict, Verdict::kOutside);
  EXPECT_EQ(rows[2].count, 3u);
}

// Within a verdict class and count, by site, cgroup, comm: the sort compares
// site ranks and eight bytes of the cgroups first (OrderKey in
// model_tables.cc), and must give std::string's order all the same.
TEST(AllocRows, EqualCountsBySiteThenCgroupThenComm) {
  const std::vector<std::string> sites = {"throtl_pd_alloc", "blkg_alloc", "blkg_alloc_x",
                                          "a"};
  const std::string base = "/system.slice/docker-";
  const std::vector<std::string> cgroups = {base + "0123456789-a", base + "0123456789",
                                            base + "01234567", base + "\xff", base + "0",
                                            base + "0123456789-/x"};
  const std::vector<std::string> comms = {"fio", "dd", "kworker/0:1"};
  struct Expected {
    bool unsafe;
    int count;
    std::string site, cgroup, comm;
  };
  Model model;
  std::vector<Expected> expected;
  uint64_t ts = 0;
  for (size_t s = 0; s < sites.size(); ++s) {
    for (size_t c = 0; c < cgroups.size(); ++c) {
      for (size_t m = 0; m < comms.size(); ++m) {
        const int count = 1 + static_cast<int>((s + c + m) % 2);  // ties of count
        const bool unsafe = (s + c) % 3 == 0;
        for (int i = 0; i < count; ++i) {
          AllocRecord r = Alloc(++ts, unsafe ? kGfpKernelMask : kGfpNowaitMask, kContextSubmit,
                                comms[m]);
          r.site = sites[s];
          r.cgroup = cgroups[c];
          model.Add(r);
        }
        expected.push_back({unsafe, count, sites[s], cgroups[c], comms[m]});
      }
    }
  }
  std::sort(expected.begin(), expected.end(), [](const Expected& a, const Expected& b) {
    if (a.unsafe != b.unsafe) return a.unsafe;
    if (a.count != b.count) return a.count > b.count;
    return std::tie(a.site, a.cgroup, a.comm) < std::tie(b.site, b.cgroup, b.comm);
  });
  const auto rows = model.AllocRows();
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(rows[i].verdict == Verdict::kUnsafe, expected[i].unsafe);
    EXPECT_EQ(rows[i].count, static_cast<uint64_t>(expected[i].count));
    EXPECT_EQ(rows[i].site, expected[i].site);
    EXPECT_EQ(rows[i].cgroup, expected[i].cgroup);
    EXPECT_EQ(rows[i].comm, expected[i].comm);
  }
}

TEST(AllocRows, EffectiveGfpOfANoioTask) {
  Model model;
  AllocRecord r = Alloc(10, kGfpKernelMask);
  r.allocator = Allocator::kSlab;
  r.site = "bio_alloc_bioset";
  r.task_flags = kTaskMemallocNoio;
  model.Add(r);
  const auto rows = model.AllocRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].verdict, Verdict::kNoio);
  EXPECT_EQ(rows[0].allocator, Allocator::kSlab);
  EXPECT_EQ(rows[0].gfp, "GFP_KERNEL");
  EXPECT_EQ(rows[0].effective_gfp_raw, kGfpNoioMask);
  EXPECT_EQ(rows[0].effective_gfp, "GFP_NOIO");
  EXPECT_EQ(rows[0].task_flags, kTaskMemallocNoio);
}

TEST(AllocRows, CountsFailures) {
  Model model;
  AllocRecord r = Alloc(10, kGfpNowaitMask);
  model.Add(r);
  r.failed = true;
  model.Add(r);
  model.Add(r);
  const auto rows = model.AllocRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].count, 3u);
  EXPECT_EQ(rows[0].failed, 2u);
}

// percpu:percpu_alloc_percpu_fail has no gfp: a later failure in a row
// keeps the gfp its successes showed.
TEST(AllocRows, AFailureWithoutGfpKeepsTheRowsGfp) {
  Model model;
  AllocRecord r = Alloc(10, kGfpNowaitMask);
  r.is_atomic = true;
  model.Add(r);
  AllocRecord fail = r;
  fail.ts_ns = 20;
  fail.failed = true;
  fail.gfp_raw = 0;
  model.Add(fail);
  auto rows = model.AllocRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].failed, 1u);
  EXPECT_EQ(rows[0].gfp_raw, kGfpNowaitMask);
  EXPECT_EQ(rows[0].gfp, GfpText(kGfpNowaitMask));
  // A row of failures only has no gfp to show.
  Model failures;
  failures.Add(fail);
  rows = failures.AllocRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].gfp_raw, 0u);
}

TEST(AllocRows, DistinctStacksCountedOnceEach) {
  Model model;
  AllocRecord a = Alloc(1, kGfpKernelMask);
  AllocRecord b = a;
  b.stack[2] = "blkg_lookup_create+0x10";
  model.Add(a);
  model.Add(b);
  model.Add(a);
  model.Add(b);
  model.Add(b);
  AllocRecord no_stack = a;
  no_stack.stack.clear();
  model.Add(no_stack);
  const auto rows = model.AllocRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].count, 6u);
  ASSERT_EQ(rows[0].stacks.size(), 2u);
  EXPECT_EQ(*rows[0].stacks[0].frames, b.stack);
  EXPECT_EQ(rows[0].stacks[0].count, 3u);
  EXPECT_EQ(*rows[0].stacks[1].frames, a.stack);
  EXPECT_EQ(rows[0].stacks[1].count, 2u);
  EXPECT_EQ(rows[0].other_stacks, 0u);
}

// --user-stacks: the same kernel stack under two programs' call paths is two
// stacks of the row; the user part and its fallback come with each.
TEST(AllocRows, UserStacksMakeStacksDistinct) {
  Model model;
  AllocRecord a = Alloc(1, kGfpKernelMask);
  a.user_stack = {"__libc_pwrite64+0x12 (libc.so.6)", "flush_wal+0x40 (postgres)"};
  AllocRecord b = a;
  b.user_stack = {"__libc_pwrite64+0x12 (libc.so.6)", "postgres+0x5a1f0"};
  b.user_stack_fallback = "no_symbols";
  AllocRecord kernel_only = a;
  kernel_only.user_stack.clear();
  for (const AllocRecord* r : {&a, &b, &a, &kernel_only, &a, &b}) model.Add(*r);
  const auto rows = model.AllocRows();
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].stacks.size(), 3u);
  EXPECT_EQ(rows[0].stacks[0].count, 3u);
  EXPECT_EQ(*rows[0].stacks[0].frames, a.stack);
  ASSERT_NE(rows[0].stacks[0].user, nullptr);
  EXPECT_EQ(*rows[0].stacks[0].user->frames, a.user_stack);
  EXPECT_EQ(rows[0].stacks[0].user->fallback, "");
  EXPECT_EQ(rows[0].stacks[1].count, 2u);
  ASSERT_NE(rows[0].stacks[1].user, nullptr);
  EXPECT_EQ(*rows[0].stacks[1].user->frames, b.user_stack);
  EXPECT_EQ(rows[0].stacks[1].user->fallback, "no_symbols");
  EXPECT_EQ(rows[0].stacks[2].count, 1u);
  EXPECT_EQ(rows[0].stacks[2].user, nullptr);
  EXPECT_EQ(*rows[0].stacks[2].frames, a.stack);
}

TEST(AllocRows, RepeatedAndInterleavedStacks) {
  Model model;
  AllocRecord a = Alloc(1, kGfpKernelMask);
  AllocRecord b = a;
  b.stack[0] = "pcpu_alloc+0x1b";
  AllocRecord c = a;
  c.stack.push_back("entry_SYSCALL_64+0x76");
  for (const AllocRecord* r : {&a, &a, &a, &b, &a, &c, &b, &b, &c, &a}) model.Add(*r);
  const auto rows = model.AllocRows();
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].stacks.size(), 3u);
  EXPECT_EQ(*rows[0].stacks[0].frames, a.stack);
  EXPECT_EQ(rows[0].stacks[0].count, 5u);
  EXPECT_EQ(*rows[0].stacks[1].frames, b.stack);
  EXPECT_EQ(rows[0].stacks[1].count, 3u);
  EXPECT_EQ(*rows[0].stacks[2].frames, c.stack);
  EXPECT_EQ(rows[0].stacks[2].count, 2u);
}

TEST(AllocRows, SharesStacksAcrossRowsAndCapsDistinctStacks) {
  Model model;
  for (int i = 0; i < 20; ++i) {
    AllocRecord r = Alloc(i, kGfpKernelMask);
    r.stack.push_back("caller_" + std::to_string(i));
    model.Add(r);
    r.comm = "dd";  // same stack, another row
    model.Add(r);
  }
  AllocRecord again = Alloc(99, kGfpKernelMask);
  again.stack.push_back("caller_3");
  model.Add(again);  // a kept stack, not the last one seen
  AllocRecord late = Alloc(100, kGfpKernelMask);
  late.stack.push_back("caller_19");
  model.Add(late);  // did not fit: stays "other"

  const auto rows = model.AllocRows();
  ASSERT_EQ(rows.size(), 2u);
  const AllocRow& fio = rows[0].comm == "fio" ? rows[0] : rows[1];
  const AllocRow& dd = rows[0].comm == "fio" ? rows[1] : rows[0];
  EXPECT_EQ(fio.count, 22u);
  ASSERT_EQ(fio.stacks.size(), Model::kMaxStacksPerRow);
  EXPECT_EQ(fio.stacks[0].frames->back(), "caller_3");
  EXPECT_EQ(fio.stacks[0].count, 2u);
  EXPECT_EQ(fio.other_stacks, 5u);
  ASSERT_EQ(dd.stacks.size(), Model::kMaxStacksPerRow);
  EXPECT_EQ(dd.other_stacks, 4u);
  // Stored once, shared by both rows.
  EXPECT_EQ(fio.stacks[1].frames.get(), dd.stacks[0].frames.get());
}

TEST(AllocRows, KeepsAFewPids) {
  Model model;
  for (uint32_t pid = 1; pid <= 20; ++pid) model.Add(Alloc(pid, kGfpKernelMask, kContextSubmit, "fio", pid));
  const auto rows = model.AllocRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].pids, (std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8}));
}

// --- workqueues --------------------------------------------------------------

TEST(WqRows, LatestSnapshotAndPercentiles) {
  Model model;
  model.Add(Wq(100, "blkg_async_bio_workfn", 10));
  WqRecord r = Wq(200, "blkg_async_bio_workfn", 100);
  r.latency_log2[10] = 90;  // [1024, 2048)
  r.latency_log2[20] = 10;  // [2^20, 2^21)
  r.latency_max_ns = 2'000'000;
  r.runtime_log2[3] = 100;  // [8, 16)
  model.Add(r);
  model.Add(Wq(150, "blkg_async_bio_workfn", 50));  // stale
  const auto rows = model.WqRows();
  ASSERT_EQ(rows.size(), 1u);
  const WqRow& row = rows[0];
  EXPECT_EQ(row.function, "blkg_async_bio_workfn");
  EXPECT_EQ(row.queued, 101u);
  EXPECT_EQ(row.activated, 100u);
  EXPECT_EQ(row.executed, 100u);
  EXPECT_EQ(row.latency_p50_ns, 2048u);
  // The bucket bound 2^21 is above the measured max; the max caps it.
  EXPECT_EQ(row.latency_p99_ns, 2'000'000u);
  EXPECT_EQ(row.latency_max_ns, 2'000'000u);
  EXPECT_EQ(row.runtime_p50_ns, 16u);
  EXPECT_EQ(row.runtime_p99_ns, 16u);
  // No runtime max from the kernel: the histogram bounds it.
  EXPECT_EQ(row.runtime_max_ns, 16u);
  EXPECT_EQ(row.latency_log2, r.latency_log2);
  EXPECT_EQ(row.runtime_log2, r.runtime_log2);
  EXPECT_EQ(row.last_ts_ns, 200u);
}

TEST(WqRows, UncappedPercentileIsTheBucketsUpperBound) {
  Model model;
  WqRecord r = Wq(1, "fn", 100);
  r.latency_log2[10] = 90;
  r.latency_log2[20] = 10;
  model.Add(r);
  const auto rows = model.WqRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].latency_p99_ns, uint64_t{1} << 21);
  EXPECT_EQ(rows[0].latency_max_ns, uint64_t{1} << 21);
  EXPECT_EQ(rows[0].runtime_p99_ns, 0u);
  EXPECT_EQ(rows[0].runtime_max_ns, 0u);
}

TEST(WqRows, AllocatesPercpuAndOrder) {
  Model model;
  model.Add(Wq(1, "blkg_async_bio_workfn", 3));
  model.Add(Wq(1, "flush_to_ldisc", 50));
  model.Add(Wq(1, "vmstat_update", 7));
  AllocRecord worker = Alloc(5, kGfpKernelMask, kContextWorker);
  worker.work_func = "blkg_async_bio_workfn";
  model.Add(worker);
  AllocRecord slab = worker;
  slab.allocator = Allocator::kSlab;
  slab.work_func = "vmstat_update";
  model.Add(slab);  // not per-cpu
  AllocRecord not_worker = worker;
  not_worker.context = kContextSubmit;
  not_worker.work_func = "flush_to_ldisc";
  model.Add(not_worker);  // stale name without the worker bit
  const auto rows = model.WqRows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].function, "flush_to_ldisc");
  EXPECT_FALSE(rows[0].allocates_percpu);
  EXPECT_EQ(rows[1].function, "vmstat_update");
  EXPECT_FALSE(rows[1].allocates_percpu);
  EXPECT_EQ(rows[2].function, "blkg_async_bio_workfn");
  EXPECT_TRUE(rows[2].allocates_percpu);
}

// Snapshots that list the functions in another order each time, gain and
// lose functions, repeat one, or share a timestamp: every function ends with
// its own latest counts.
TEST(WqRows, EachFunctionKeepsItsLatestWhateverTheOrderOfTheSnapshots) {
  Model model;
  const std::vector<std::vector<std::string>> snapshots = {
      {"a", "b", "c", "d"},
      {"a", "b", "c", "d"},
      {"b", "a", "d"},            // reordered, c unchanged
      {"a", "e", "b", "c", "d"},  // a new one in the middle
      {"d", "c", "b", "a", "e", "a"},
      {"a", "b", "c", "d", "e"},
  };
  std::map<std::string, uint64_t> want;
  uint64_t n = 0;
  for (size_t i = 0; i < snapshots.size(); ++i) {
    // The last two share a timestamp, as records of one read could.
    const uint64_t ts = 100 * std::min<size_t>(i + 1, snapshots.size() - 1);
    for (const std::string& fn : snapshots[i]) {
      model.Add(Wq(ts, fn, ++n));
      want[fn] = n;
    }
  }
  std::map<std::string, uint64_t> got;
  for (const WqRow& row : model.WqRows()) got[row.function] = row.executed;
  EXPECT_EQ(got, want);
}

// --- lost, header, counts, Clear ---------------------------------------------

TEST(Model, LostIsTheLatestCumulative) {
  Model model;
  EXPECT_EQ(model.Lost().Total(), 0u);
  LostRecord a;
  a.ts_ns = 10;
  a.counts = {{"alloc", 3}, {"blkg_seen", 0}};
  LostRecord b;
  b.ts_ns = 20;
  b.counts = {{"alloc", 5}, {"blkg_seen", 1}};
  model.Add(b);
  model.Add(a);  // stale
  const LostRecord lost = model.Lost();
  EXPECT_EQ(lost.ts_ns, 20u);
  EXPECT_EQ(lost.counts, (std::map<std::string, uint64_t>{{"alloc", 5}, {"blkg_seen", 1}}));
  EXPECT_EQ(lost.Total(), 6u);
}

TEST(Model, RecordVariantAndAccessors) {
  Model model;
  EXPECT_EQ(model.header(), nullptr);
  EXPECT_EQ(model.summary(), nullptr);
  CaptureHeader header;
  header.host = "node1";
  CaptureSummary summary;
  summary.ts_ns = 900;
  summary.events = 42;
  const std::vector<Record> records = {header,
                                       Alloc(100, kGfpKernelMask),
                                       Alloc(110, kGfpKernelMask),
                                       Blkg(120, kChild, "/a/b", kChild, "/a/b", 1, 50),
                                       Wq(130, "fn", 1),
                                       LostRecord{140, {{"alloc", 1}}},
                                       summary};
  for (const Record& r : records) model.Add(r);
  ASSERT_NE(model.header(), nullptr);
  EXPECT_EQ(model.header()->host, "node1");
  ASSERT_NE(model.summary(), nullptr);
  EXPECT_EQ(model.summary()->events, 42u);
  const RecordCounts& counts = model.counts();
  EXPECT_EQ(counts.headers, 1u);
  EXPECT_EQ(counts.allocs, 2u);
  EXPECT_EQ(counts.blkgs, 1u);
  EXPECT_EQ(counts.wqs, 1u);
  EXPECT_EQ(counts.lost_records, 1u);
  EXPECT_EQ(counts.summaries, 1u);
  EXPECT_EQ(counts.Total(), 7u);
  EXPECT_EQ(model.first_ts_ns(), 100u);
  EXPECT_EQ(model.last_ts_ns(), 900u);
}

TEST(Model, ClearStartsCountingAfresh) {
  Model model;
  CaptureHeader header;
  header.host = "node1";
  model.Add(header);
  model.Add(Alloc(10, kGfpKernelMask));
  AllocRecord fail = Alloc(11, kGfpNowaitMask);
  fail.failed = true;
  fail.cgroup_id = 20;
  model.Add(fail);
  model.Add(Blkg(100, kChild, "/a/b", kChild, "/a/b", 10, 50));
  model.Add(Blkg(100, 3, "/idle", 3, "/idle", 4, 50));
  WqRecord wq = Wq(100, "fn", 4);
  wq.latency_log2[10] = 4;
  wq.latency_max_ns = 1500;
  model.Add(wq);
  model.Add(LostRecord{100, {{"alloc", 3}}});

  model.Clear();
  EXPECT_TRUE(model.AllocRows().empty());
  EXPECT_TRUE(model.CgroupRows().empty());
  EXPECT_TRUE(model.WqRows().empty());
  EXPECT_EQ(model.Lost().Total(), 0u);
  EXPECT_EQ(model.counts().Total(), 0u);
  EXPECT_EQ(model.first_ts_ns(), 0u);
  ASSERT_NE(model.header(), nullptr);
  EXPECT_EQ(model.header()->host, "node1");

  // Cumulative snapshots after Clear() show what happened since.
  model.Add(Blkg(200, kChild, "/a/b", kChild, "/a/b", 15, 50));
  model.Add(Blkg(200, 3, "/idle", 3, "/idle", 4, 50));  // unchanged: hidden
  WqRecord wq2 = Wq(200, "fn", 6);
  wq2.latency_log2[10] = 4;
  wq2.latency_log2[12] = 2;  // [4096, 8192)
  wq2.latency_max_ns = 5000;
  model.Add(wq2);
  model.Add(LostRecord{200, {{"alloc", 5}}});

  const auto cgroups = model.CgroupRows();
  ASSERT_EQ(cgroups.size(), 1u);
  EXPECT_EQ(cgroups[0].cgroup, "/a/b");
  EXPECT_EQ(cgroups[0].bios, 5u);
  EXPECT_EQ(cgroups[0].bytes, 5u * 4096);
  EXPECT_EQ(cgroups[0].state, Readiness::kReady);
  const auto wqs = model.WqRows();
  ASSERT_EQ(wqs.size(), 1u);
  EXPECT_EQ(wqs[0].executed, 2u);
  EXPECT_EQ(wqs[0].queued, 2u);
  EXPECT_EQ(wqs[0].latency_log2[10], 0u);
  EXPECT_EQ(wqs[0].latency_log2[12], 2u);
  EXPECT_EQ(wqs[0].latency_p50_ns, 5000u);
  EXPECT_EQ(wqs[0].latency_max_ns, 5000u);
  EXPECT_EQ(model.Lost().counts, (std::map<std::string, uint64_t>{{"alloc", 2}}));
  EXPECT_EQ(model.counts().blkgs, 2u);
}

TEST(Model, CounterRestartAfterClearIsNotNegative) {
  Model model;
  model.Add(Blkg(100, kChild, "/a/b", kChild, "/a/b", 10, 50));
  model.Clear();
  model.Add(Blkg(200, kChild, "/a/b", kChild, "/a/b", 3, 150));
  const auto rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].bios, 3u);
}

// The model's indexes hash the keys of entries it keeps apart from them:
// after a move, and past its first blocks of entries, every pair is still
// found by key, in any order, and new ones still come in.
TEST(Model, AMovedModelStillFindsEveryPairByKey) {
  constexpr uint64_t kPairs = 1500;
  const auto path = [](uint64_t id) { return "/c" + std::to_string(id); };
  Model first;
  for (uint64_t id = 1; id <= kPairs; ++id) first.Add(Blkg(10, id, path(id), id, path(id), 1, 1));
  Model model = std::move(first);
  // Backwards: each record misses the entry after the last one taken, so
  // each is found through the index.
  for (uint64_t id = kPairs; id >= 1; --id) {
    model.Add(Blkg(20, id, path(id), id, path(id), id, 1));
  }
  model.Add(Blkg(20, kPairs + 1, path(kPairs + 1), kPairs + 1, path(kPairs + 1), 7, 1));
  const std::vector<CgroupRow> rows = model.CgroupRows();
  ASSERT_EQ(rows.size(), kPairs + 1);
  std::map<std::string, uint64_t> bios;
  for (const CgroupRow& row : rows) bios[row.cgroup] = row.bios;
  for (uint64_t id = 1; id <= kPairs; ++id) EXPECT_EQ(bios[path(id)], id) << path(id);
  EXPECT_EQ(bios[path(kPairs + 1)], 7u);
}

TEST(ModelForgetTest, ForgetsTheCgroupsRowsAndReturnsTheirLastCounts) {
  Model model;
  for (uint64_t id = 1; id <= 40; ++id) {
    const std::string path = "/c" + std::to_string(id);
    model.Add(Blkg(10, id, path, id, path, id, 1));
  }
  AllocRecord alloc;
  alloc.ts_ns = 11;
  alloc.site = "blkg_alloc";
  alloc.context = kContextSubmit;
  alloc.cgroup_id = 3;
  alloc.cgroup = "/c3";
  alloc.bytes = 96;
  model.Add(alloc);
  alloc.cgroup_id = 4;
  alloc.cgroup = "/c4";
  model.Add(alloc);

  absl::flat_hash_set<uint64_t> ids;
  for (uint64_t id = 3; id <= 38; ++id) ids.insert(id);
  const Model::Forgotten forgotten = model.ForgetCgroups(ids);
  EXPECT_EQ(forgotten.cgroups.size(), 36u);
  for (const CgroupRow& row : forgotten.cgroups) EXPECT_EQ(row.bios, row.cgroup_id);
  ASSERT_EQ(forgotten.allocs.size(), 2u);
  EXPECT_TRUE(model.AllocCounts().empty());

  std::vector<CgroupRow> left = model.CgroupRows();
  ASSERT_EQ(left.size(), 4u);
  EXPECT_EQ(left[0].cgroup, "/c1");
  EXPECT_EQ(left[1].cgroup, "/c2");
  EXPECT_EQ(left[2].cgroup, "/c39");
  EXPECT_EQ(left[3].cgroup, "/c40");
  // The pairs left still take snapshots, and new pairs come in.
  model.Add(Blkg(20, 40, "/c40", 40, "/c40", 400, 1));
  model.Add(Blkg(20, 41, "/c41", 41, "/c41", 41, 1));
  left = model.CgroupRows();
  ASSERT_EQ(left.size(), 5u);
  EXPECT_EQ(left[3].bios, 400u);
  EXPECT_EQ(left[4].cgroup, "/c41");
  EXPECT_TRUE(model.ForgetCgroups({}).cgroups.empty());
}

}  // namespace
}  // namespace submitwatch
