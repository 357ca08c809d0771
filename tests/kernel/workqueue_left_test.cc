// What the workqueue programs leave in their per-CPU state once detached: a
// queued item whose count waited for an activate_work that never came (an
// item on a workqueue's inactive list). The collector's snapshots after
// ProgramsDetached() add it: to its function's row, or in a row of its own
// for a function the programs never numbered. The programs' state is
// written by the test, on a real session's maps.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "collector/collector.h"
#include "bpf/events.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "loader/bpf_session.h"
#include "loader/hook_table.h"
#include "submitwatch.skel.h"
#include "symbols/cgroup_paths.h"
#include "symbols/disk_names.h"
#include "symbols/kernel_symbols.h"

namespace submitwatch::testing {
namespace {

// The name a row of the function has: its symbol's, without an offset.
std::string RowName(const KernelSymbols& symbols, uint64_t func) {
  std::string name(symbols.FunctionName(func));
  return name.empty() ? symbols.Format(func) : name;
}

const WqRecord* LastRowOf(const std::vector<Record>& records, const std::string& function) {
  const WqRecord* last = nullptr;
  for (const Record& r : records) {
    const WqRecord* w = std::get_if<WqRecord>(&r);
    if (w && w->function == function) last = w;
  }
  return last;
}

TEST(WorkqueueQueuedLeft, TheSnapshotsAfterDetachCountWhatTheProgramsLeftPerCpu) {
  absl::StatusOr<KernelSymbols> symbols = KernelSymbols::Load();
  if (!symbols.ok()) SW_SKIP_OR_FAIL(symbols.status().ToString());
  absl::StatusOr<CgroupHierarchy> hierarchy = FindIoHierarchy();
  ASSERT_TRUE(hierarchy.ok()) << hierarchy.status();
  CgroupPaths cgroups(*hierarchy);
  DiskNames disks;
  LoaderOptions options;
  options.symbols = &*symbols;
  options.submit_ranges = symbols->FunctionRanges(SubmitPathFunctions());
  absl::StatusOr<std::unique_ptr<BpfSession>> session = BpfSession::Open(options);
  if (!session.ok()) SW_SKIP_OR_FAIL(session.status().ToString());
  std::vector<Record> records;
  absl::StatusOr<std::unique_ptr<Collector>> collector = Collector::Create(
      **session, {&*symbols, &cgroups, &disks}, [&](const Record& r) { records.push_back(r); });
  ASSERT_TRUE(collector.ok()) << collector.status();

  // The host's own work (a timer's vmstat_update at least) numbers functions.
  const int wq_funcs_fd = bpf_map__fd((*session)->skel()->maps.wq_funcs);
  uint64_t numbered = 0;
  for (int i = 0; i < 50 && bpf_map_get_next_key(wq_funcs_fd, nullptr, &numbered) != 0; ++i) {
    sync();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(numbered, 0u) << "no work function ran in 5 s";
  (*session)->Detach();
  // Without the programs' leftovers: the kernel's stats alone.
  ASSERT_TRUE((*collector)->Snapshot(Collector::MonotonicNowNs()).ok());
  const std::string numbered_name = RowName(*symbols, numbered);
  const WqRecord* before = LastRowOf(records, numbered_name);
  ASSERT_NE(before, nullptr) << numbered_name;
  const uint64_t queued_before = before->queued;

  // CPU 0 left a queue of the numbered function; CPU 1 one of a function no
  // program saw (vfs_read is no work function).
  const int cpus = libbpf_num_possible_cpus();
  ASSERT_GT(cpus, 0);
  std::vector<sw_current_work> per_cpu(cpus);
  const int current_work_fd = bpf_map__fd((*session)->skel()->maps.current_work);
  const uint32_t zero = 0;
  ASSERT_EQ(bpf_map_lookup_elem(current_work_fd, &zero, per_cpu.data()), 0);
  for (sw_current_work& c : per_cpu) c.queued_func = 0;
  per_cpu[0].queued_func = numbered;
  const std::vector<AddressRange> vfs_read = symbols->FunctionRanges({"vfs_read"});
  ASSERT_EQ(vfs_read.size(), 1u);
  const uint64_t unnumbered = vfs_read[0].start;
  if (cpus > 1) per_cpu[1].queued_func = unnumbered;
  ASSERT_EQ(bpf_map_update_elem(current_work_fd, &zero, per_cpu.data(), BPF_ANY), 0);

  // Not counted while the programs could still be attached.
  records.clear();
  ASSERT_TRUE((*collector)->Snapshot(Collector::MonotonicNowNs()).ok());
  EXPECT_EQ(LastRowOf(records, numbered_name), nullptr) << "counted before ProgramsDetached()";

  (*collector)->ProgramsDetached();
  ASSERT_TRUE((*collector)->Snapshot(Collector::MonotonicNowNs()).ok());
  const WqRecord* after = LastRowOf(records, numbered_name);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->queued, queued_before + 1);
  if (cpus > 1) {
    const WqRecord* own = LastRowOf(records, RowName(*symbols, unnumbered));
    ASSERT_NE(own, nullptr) << "no row for " << RowName(*symbols, unnumbered);
    EXPECT_EQ(own->queued, 1u);
    EXPECT_EQ(own->executed, 0u);
  }
}

}  // namespace
}  // namespace submitwatch::testing
