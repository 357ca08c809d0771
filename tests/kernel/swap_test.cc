// The seed's exact shape on a modern kernel. A process in a cgroup whose
// memory limit is far below its working set reclaims in its own context
// (try_to_free_mem_cgroup_pages(): PF_MEMALLOC) and swaps out to a device
// for which the cgroup has no blkg yet. The swap-out bio is associated with
// the cgroup as it is made (bio_init() -> bio_associate_blkg()), which
// creates the (cgroup, swap disk) blkg right there: per-cpu allocations in
// the submit path by a task in reclaim, context `submit+reclaim`. That is
// the 2011 deadlock's call chain (reclaim -> swap-out -> submit path ->
// alloc_percpu()); on these kernels the allocations are GFP_NOWAIT, so the
// verdict is `atomic`.
//
// What the versions make of the bios afterwards differs, and the kernel's
// own counters (the referee) agree with the tool on both: on v2 the swap-out
// is charged to the page's memory cgroup, the same cgroup, whose pair is
// ready; v1 has no tie between the memory and blkio hierarchies, so
// bio_associate_blkg_from_page() charges the swap-out to the root's blkg
// (the swap-ins, from the faulting task, stay the cgroup's).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_accounting.h"
#include "kernel_fixtures.h"
#include "memory_cgroup.h"
#include "model/model.h"
#include "model/names.h"
#include "model/records.h"
#include "model/verdict.h"
#include "process_in_cgroups.h"
#include "swap_device.h"
#include "symbols/cgroup_paths.h"

namespace submitwatch::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint32_t kPfMemalloc = 0x800;  // include/linux/sched.h

// Before 6.3 zram took swap through its ->rw_page, without a bio: swap on a
// loop device over zram there (SwapDevice::CreateLoopOverZram).
bool ZramTakesSwapAsBios() {
  utsname u;
  int major = 0, minor = 0;
  if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2) return true;
  return major > 6 || (major == 6 && minor >= 3);
}

bool StackHas(const std::vector<std::string>& stack, const std::string& function) {
  for (const std::string& frame : stack) {
    const std::string fn = frame.substr(0, frame.find('+'));
    if (fn == function || absl::StartsWith(fn, function + ".")) return true;
  }
  return false;
}

TEST(SwapUnderMemoryPressure, DirectReclaimMakesTheSwapDisksBlkgInSubmitPlusReclaim) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  if (auto h = FindMemoryHierarchy(); !h.ok()) SW_SKIP_OR_FAIL(h.status().ToString());
  absl::StatusOr<CgroupHierarchy> io_hierarchy = FindIoHierarchy();
  ASSERT_TRUE(io_hierarchy.ok()) << io_hierarchy.status();

  // A fresh swap device: no cgroup has a blkg on it yet.
  auto swap = ZramTakesSwapAsBios() ? SwapDevice::CreateZram(256 * kMiB)
                                    : SwapDevice::CreateLoopOverZram(256 * kMiB);
  if (!swap.ok()) SW_SKIP_OR_FAIL(swap.status().ToString());
  const std::string device = (*swap)->device();
  const std::string disk = device.substr(device.rfind('/') + 1);
  auto accounting = KernelAccounting::On(device);
  ASSERT_TRUE(accounting.ok()) << accounting.status();

  // v2: one cgroup with memory and io; v1: a memory cgroup and a blkio one.
  auto memory = MemoryCgroup::Create("swap", 16 * kMiB);
  ASSERT_TRUE(memory.ok()) << memory.status();
  std::unique_ptr<TestCgroup> io;
  std::vector<std::string> dirs = {(*memory)->dir()};
  std::string io_dir = (*memory)->dir();
  if (!io_hierarchy->v2) {
    auto cg = TestCgroup::Create("swap-io");
    ASSERT_TRUE(cg.ok()) << cg.status();
    io = *std::move(cg);
    dirs.push_back(io->dir());
    io_dir = io->dir();
  } else {
    ASSERT_EQ((*memory)->dir().rfind(io_hierarchy->mount_point, 0), 0u) << (*memory)->dir();
  }
  const std::string cgroup = io_dir.substr(io_hierarchy->mount_point.size());

  const std::string capture = TempPath("swap.jsonl");
  auto rec = RecordProcess::Start(capture, {"--interval", "200ms"});
  ASSERT_TRUE(rec.ok()) << rec.status();
  // 64 MiB written over and over under a 16 MiB limit. Without huge pages:
  // khugepaged, collapsing the process's pages into one, charges the new
  // page to the cgroup and reclaims for it from its own context, and once
  // (6.12, kprobe, v2) it was khugepaged that swapped out first and made
  // the swap disk's blkg, not the process.
  auto thrasher = ProcessInCgroups::Fork(dirs, [] {
    if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0) return 1;
    return ThrashMemory(64 * kMiB);
  });
  ASSERT_TRUE(thrasher.ok()) << thrasher.status();
  const pid_t pid = (*thrasher)->pid();
  bool swapped = false;
  for (int i = 0; i < 1200 && !swapped; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE((*thrasher)->Running());
    swapped = (*swap)->UsedBytes() > 16 * kMiB;
  }
  ASSERT_TRUE(swapped) << "swap used " << (*swap)->UsedBytes() << " of " << device;
  EXPECT_EQ((*thrasher)->Stop(SIGKILL), 128 + SIGKILL);
  // One more snapshot, then the capture is complete.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ((*rec)->Stop(SIGINT), 0) << (*rec)->Stderr();
  auto records = CaptureReader::ReadAll(capture);
  ASSERT_TRUE(records.ok()) << records.status();

  // (a) The allocations the process made while in reclaim, and among them
  // the swap disk's blkg: in the submit path, in reclaim, atomic.
  uint64_t in_reclaim = 0, seed = 0;
  bool blkg_alloc = false;
  for (const Record& record : *records) {
    const auto* a = std::get_if<AllocRecord>(&record);
    if (a == nullptr || a->pid != static_cast<uint32_t>(pid) || !(a->context & kContextReclaim)) {
      continue;
    }
    ++in_reclaim;
    EXPECT_EQ(a->cgroup, cgroup) << a->site;
    EXPECT_NE(a->task_flags & kPfMemalloc, 0u) << a->site;
    if (!(a->context & kContextSubmit)) continue;
    ++seed;
    SCOPED_TRACE(absl::StrCat(a->site_offset, " ", absl::StrJoin(a->stack, " ")));
    EXPECT_EQ(a->context & (kContextSubmit | kContextReclaim | kContextWorker),
              kContextSubmit | kContextReclaim);
    EXPECT_EQ(ContextText(a->context, a->work_func), "submit+reclaim");
    EXPECT_EQ(a->allocator, Allocator::kPercpu);
    EXPECT_TRUE(a->is_atomic);
    EXPECT_EQ(ClassifyAlloc(*a), Verdict::kAtomic);
    EXPECT_FALSE(a->failed);
    // Made for the swap-out: the stack reaches back to it.
    EXPECT_TRUE(StackHas(a->stack, "swap_writepage") || StackHas(a->stack, "__swap_writepage") ||
                StackHas(a->stack, "swap_writeout"));
    blkg_alloc = blkg_alloc || a->site == "blkg_alloc";
  }
  EXPECT_GT(in_reclaim, 0u);
  EXPECT_GT(seed, 0u) << "no submit-path allocation in reclaim by " << pid;
  EXPECT_TRUE(blkg_alloc) << "the swap disk's blkg was not made in reclaim";

  // (b) The swap disk's blkg of the cgroup, seen on its first bio.
  Model model;
  for (const Record& record : *records) model.Add(record);
  const CgroupRow* pair = nullptr;
  for (const CgroupRow& row : model.CgroupRows()) {
    if (row.cgroup == cgroup && row.disk == disk && !row.kthread) pair = &row;
  }
  const ToolIo root = ToolIoOfBlkg(*records, "/", disk);
  // Swap-out may write a large folio as one bio, which the loop device's
  // limits split: the kernel counts its parts.
  const std::optional<KernelIo> kernel = ExpectKernelAgrees(
      *records, io_dir, io_hierarchy->v2, cgroup, device, /*limited=*/false, /*splits=*/true);
  if (io_hierarchy->v2) {
    // The swap-out is the cgroup's: its pair is ready, nothing elsewhere.
    ASSERT_NE(pair, nullptr) << "no row for " << cgroup << " on " << disk;
    EXPECT_EQ(pair->state, Readiness::kReady);
    EXPECT_GT(pair->own_bios, 0u);
    EXPECT_EQ(pair->elsewhere_bios, 0u);
    if (kernel) {
      EXPECT_GT(kernel->write_ios, 0u);
    }
  } else {
    // The swap-out went to the root's blkg, by the kernel's count too (the
    // swap-ins, if any yet, are the faulting process's own).
    EXPECT_GT(root.bios, 0u);
    if (kernel) {
      EXPECT_EQ(kernel->write_ios, 0u);
    }
  }
  if (pair != nullptr) {
    printf("SUBMITWATCH-SWAP pair %s %s: %s, bios %llu (own %llu, elsewhere %llu to %s)\n",
           cgroup.c_str(), disk.c_str(), std::string(ReadinessName(pair->state)).c_str(),
           static_cast<unsigned long long>(pair->bios),
           static_cast<unsigned long long>(pair->own_bios),
           static_cast<unsigned long long>(pair->elsewhere_bios), pair->charged_to.c_str());
  }

  // (c) `report` shows the rows: atomic, submit+reclaim, the cgroup.
  CommandResult report = RunCommand({SUBMITWATCH_BINARY, "report", capture});
  ASSERT_EQ(report.exit_code, 0) << report.output;
  int rows = 0;
  for (absl::string_view line : absl::StrSplit(report.output, '\n')) {
    if (!absl::StrContains(line, " submit+reclaim ")) continue;
    printf("SUBMITWATCH-SWAP %s\n", std::string(line).c_str());
    std::vector<std::string> cells = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (cells.size() >= 3 && cells[0] == names::kVerdictAtomic &&
        cells[cells.size() - 2] == cgroup) {
      ++rows;
    }
  }
  fflush(stdout);
  EXPECT_GT(rows, 0) << report.output;
  unlink(capture.c_str());
}

}  // namespace
}  // namespace submitwatch::testing
