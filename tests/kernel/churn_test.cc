// Load and soak: cgroups and disks come and go by the thousand while
// `record` runs. Every cgroup that did IO must come out exactly once with
// its exact totals, nothing may be lost, and the entries of removed cgroups
// and disks must leave the kernel maps (counted in the summary) so neither
// the maps nor the tool grow with the churn.
//
// The suite runs one pass (2,000 cgroups over 20 loop devices by default).
// The soak is the same test for longer (README, "Tests"):
//   SUBMITWATCH_SOAK_MINUTES=30 build/tests/kernel_tests --gtest_filter='Churn.*'
// SUBMITWATCH_CHURN_CGROUPS and SUBMITWATCH_CHURN_DISKS change the pass size
// (scripts/qemu-test uses a smaller one: emulation is slow).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_accounting.h"
#include "kernel_fixtures.h"
#include "model/model.h"

namespace submitwatch::testing {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* value = getenv(name);
  int n = 0;
  return value != nullptr && absl::SimpleAtoi(value, &n) && n > 0 ? n : fallback;
}

std::string RowsOf(const Model& model, const std::string& cgroup) {
  std::string out;
  for (const CgroupRow& row : model.CgroupRows()) {
    if (row.cgroup == cgroup) absl::StrAppend(&out, row.disk, ":", row.bios, " ");
  }
  return out.empty() ? "none" : out;
}

struct Expected {
  std::string disk;
  uint64_t bios = 0;
  KernelIo kernel;  // the kernel's own count, read just before the rmdir
};

TEST(Churn, CgroupsAndDisksComeAndGoWhileRecording) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  const int cgroups = EnvInt("SUBMITWATCH_CHURN_CGROUPS", 2000);
  const int disks = std::min(EnvInt("SUBMITWATCH_CHURN_DISKS", 20), cgroups);
  const int soak_minutes = EnvInt("SUBMITWATCH_SOAK_MINUTES", 0);
  const auto soak_end =
      std::chrono::steady_clock::now() + std::chrono::minutes(soak_minutes);

  const std::string capture = TempPath("churn.jsonl");
  absl::StatusOr<std::unique_ptr<RecordProcess>> rec = RecordProcess::Start(capture);
  ASSERT_TRUE(rec.ok()) << rec.status();
  const pid_t pid = (*rec)->pid();

  // One cgroup lives through the whole run and writes to every disk: its
  // entries can only leave the maps because their disk went away.
  absl::StatusOr<std::unique_ptr<TestCgroup>> resident = TestCgroup::Create("churn-resident");
  ASSERT_TRUE(resident.ok()) << resident.status();
  const std::string resident_path = (*resident)->path();

  std::map<std::string, Expected> expected;         // cgroup path -> its one row
  std::map<std::string, uint64_t> resident_by_disk;  // disk name -> bios
  std::vector<uint64_t> rss_kib;
  int made = 0;
  int pass = 0;
  do {
    for (int d = 0; d < disks; ++d) {
      absl::StatusOr<std::unique_ptr<LoopDevice>> loop = LoopDevice::Create(16 << 20);
      ASSERT_TRUE(loop.ok()) << loop.status();
      (*loop)->RemoveDeviceOnDestroy();
      absl::StatusOr<std::unique_ptr<KernelAccounting>> accounting =
          KernelAccounting::On((*loop)->device());
      ASSERT_TRUE(accounting.ok()) << accounting.status();
      const int per_disk = cgroups / disks + (d < cgroups % disks ? 1 : 0);
      for (int c = 0; c < per_disk; ++c, ++made) {
        absl::StatusOr<std::unique_ptr<TestCgroup>> cg =
            TestCgroup::Create(absl::StrCat("churn-", pass, "-", d, "-", c));
        ASSERT_TRUE(cg.ok()) << cg.status();
        const int blocks = 1 + made % 7;
        ASSERT_EQ(DirectWritesFromCgroup((*cg)->dir(), (*loop)->device(), blocks), 0);
        absl::StatusOr<KernelIo> kernel = KernelIoOf((*cg)->dir(), (*cg)->v2(), (*loop)->device());
        ASSERT_TRUE(kernel.ok()) << kernel.status();
        expected[(*cg)->path()] = {(*loop)->name(), static_cast<uint64_t>(blocks), *kernel};
      }  // the cgroup is removed here
      ASSERT_EQ(DirectWritesFromCgroup((*resident)->dir(), (*loop)->device(), 3), 0);
      resident_by_disk[(*loop)->name()] += 3;
      rss_kib.push_back(RssKib(pid));
      ASSERT_GT(rss_kib.back(), 0u) << "record exited: " << (*rec)->Stderr();
    }  // the loop device is removed here
    ++pass;
    if (soak_minutes > 0) {
      printf("churn: pass %d, %d cgroups, record RSS %llu KiB\n", pass, made,
             static_cast<unsigned long long>(rss_kib.back()));
      fflush(stdout);
    }
  } while (std::chrono::steady_clock::now() < soak_end);
  resident->reset();

  // Two snapshots (one per second): the last removals are seen and evicted.
  sleep(2);
  const uint64_t final_rss = RssKib(pid);
  ASSERT_EQ((*rec)->Stop(SIGINT), 0) << (*rec)->Stderr();

  // Streamed: a 30-minute soak writes gigabytes.
  Model model;
  {
    absl::StatusOr<CaptureReader> reader = CaptureReader::Open(capture);
    ASSERT_TRUE(reader.ok()) << reader.status();
    model.Add(reader->header());
    for (;;) {
      absl::StatusOr<std::optional<Record>> r = reader->Next();
      ASSERT_TRUE(r.ok()) << r.status();
      if (!r->has_value()) break;
      model.Add(**r);
    }
  }
  unlink(capture.c_str());
  ASSERT_NE(model.summary(), nullptr);
  const CaptureSummary& summary = *model.summary();
  // No event is lost. Of the work items' latencies, the few that another
  // item's queue time overwrote in a burst (bpf/maps.bpf.h, wq_pending) are
  // counted, and stay under 0.1% of the items that ran.
  LostRecord lost = model.Lost();
  const uint64_t untimed = lost.counts["wq_pending"];
  EXPECT_EQ(summary.lost, untimed) << "events lost";
  uint64_t work_items = 0;
  for (const WqRow& w : model.WqRows()) work_items += w.executed;
  printf("churn: %llu work items ran, %llu not timed (wq_pending)\n",
         static_cast<unsigned long long>(work_items), static_cast<unsigned long long>(untimed));
  EXPECT_LE(untimed * 1000, work_items);

  // Exactly one row per cgroup on its disk, with its exact totals.
  std::map<std::string, int> rows_on_disk;
  ToolIo tool_total;
  KernelIo kernel_total;
  const bool referee = KernelCountsCgroupsWithoutLimits();
  std::map<std::string, uint64_t> resident_seen;
  for (const CgroupRow& row : model.CgroupRows()) {
    if (row.cgroup == resident_path) {
      resident_seen[row.disk] += row.bios;
      continue;
    }
    auto it = expected.find(row.cgroup);
    if (it == expected.end() || row.disk != it->second.disk) continue;
    ++rows_on_disk[row.cgroup];
    EXPECT_EQ(row.bios, it->second.bios) << row.cgroup;
    EXPECT_EQ(row.bytes, it->second.bios * 4096) << row.cgroup;
    // The referee, per cgroup: the kernel's count of its blkg (zero where
    // it counts only cgroups with a limit: v1 on 6.1).
    EXPECT_EQ(referee ? row.bios : 0, it->second.kernel.ios()) << row.cgroup;
    EXPECT_EQ(referee ? row.bytes : 0, it->second.kernel.bytes()) << row.cgroup;
    tool_total.bios += row.bios;
    tool_total.bytes += row.bytes;
  }
  for (const auto& [path, want] : expected) {
    kernel_total.write_ios += want.kernel.ios();
    kernel_total.write_bytes += want.kernel.bytes();
  }
  printf("SUBMITWATCH-REFEREE churn: %zu cgroups, tool bios=%llu bytes=%llu, kernel ios=%llu "
         "bytes=%llu%s\n",
         expected.size(), static_cast<unsigned long long>(tool_total.bios),
         static_cast<unsigned long long>(tool_total.bytes),
         static_cast<unsigned long long>(kernel_total.ios()),
         static_cast<unsigned long long>(kernel_total.bytes()),
         referee ? "" : "; this kernel counts only cgroups with a limit (v1)");
  int missing = 0, repeated = 0;
  for (const auto& [path, want] : expected) {
    const int n = rows_on_disk[path];
    if (n == 0 && missing < 5) {
      ADD_FAILURE() << path << " on " << want.disk << ": no row; rows of it: "
                    << RowsOf(model, path);
    }
    missing += n == 0;
    repeated += n > 1;
  }
  EXPECT_EQ(missing, 0) << "of " << expected.size() << " cgroups";
  EXPECT_EQ(repeated, 0);
  // Rows are by device name: loop devices reuse their numbers, so one row
  // adds up every incarnation.
  for (const auto& [disk, bios] : resident_by_disk) {
    EXPECT_EQ(resident_seen[disk], bios) << disk;
  }

  // Every churned cgroup left at least its entry on its disk; the resident's
  // left with their disks (fewer than one per disk when a new blkg reuses
  // the address of the one just freed: the entry then carries on).
  const auto evicted = [&](const char* why) {
    auto it = summary.evicted.find(why);
    return it == summary.evicted.end() ? 0u : it->second;
  };
  EXPECT_GE(evicted("cgroup"), expected.size());
  EXPECT_GT(evicted("disk"), 0u);
  // Entries leave as fast as they come: the map never held more than a
  // fraction of what went through it (about a fifth here, at one snapshot a
  // second; without eviction it would end above the number of cgroups).
  EXPECT_LT(summary.peak_map_entries, expected.size() / 2);
  // The tool's memory does not follow the churn: after the first disk it
  // stays within a few MiB.
  ASSERT_FALSE(rss_kib.empty());
  const uint64_t peak_rss = std::max(final_rss, *std::max_element(rss_kib.begin(), rss_kib.end()));
  EXPECT_LT(peak_rss, rss_kib.front() + 8 * 1024)
      << "RSS after the first disk " << rss_kib.front() << " KiB, peak " << peak_rss << " KiB";
  // A soak shows no trend: the second half peaks no higher than the first.
  if (pass >= 4) {
    const auto half = rss_kib.begin() + static_cast<std::ptrdiff_t>(rss_kib.size() / 2);
    const uint64_t first_half = *std::max_element(rss_kib.begin(), half);
    const uint64_t second_half = *std::max_element(half, rss_kib.end());
    EXPECT_LE(second_half, first_half + 1024)
        << "first half peak " << first_half << " KiB, second half " << second_half << " KiB";
  }
  RecordProperty("cgroups", static_cast<int>(expected.size()));
  RecordProperty("passes", pass);
  RecordProperty("peak_rss_kib", static_cast<int>(peak_rss));
  RecordProperty("peak_map_entries", static_cast<int>(summary.peak_map_entries));
  printf("churn: %zu cgroups, %d passes, evicted cgroup=%llu disk=%llu, peak map entries %llu, "
         "RSS %llu -> peak %llu KiB\n",
         expected.size(), pass, static_cast<unsigned long long>(evicted("cgroup")),
         static_cast<unsigned long long>(evicted("disk")),
         static_cast<unsigned long long>(summary.peak_map_entries),
         static_cast<unsigned long long>(rss_kib.front()),
         static_cast<unsigned long long>(peak_rss));
}

}  // namespace
}  // namespace submitwatch::testing
