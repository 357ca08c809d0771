// The recorder under the memory pressure it is meant to observe: `record`
// runs inside a memory cgroup whose limit is far below the working set of a
// process that shares it, so the cgroup reclaims and swaps (to a zram device
// the test makes) all the time, while a dd in another cgroup writes a known
// number of blocks. Locked, the recorder takes no major page fault once
// attached, loses no event, and counts the dd's bios exactly.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "memory_cgroup.h"
#include "model/records.h"
#include "process_in_cgroups.h"
#include "swap_device.h"
#include "wait_for.h"

namespace submitwatch::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;
// The cgroup's limit and the thrasher's working set: four times over.
constexpr uint64_t kLimitBytes = 96 * kMiB;
constexpr uint64_t kWorkingSetBytes = 384 * kMiB;
constexpr int kBlocks = 1024;
constexpr uint64_t kBlockSize = 4096;
constexpr uint64_t kCapSysAdmin = 1ull << 21;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Field 12 of /proc/PID/stat: major faults of the whole process (every
// thread), the faults that had to wait for IO.
std::optional<uint64_t> MajorFaults(pid_t pid) {
  const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  // The command name (field 2) may hold spaces: count from its ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
  uint64_t faults = 0;
  // fields[0] is field 3 (state); field 12 is fields[9].
  if (fields.size() < 10 || !absl::SimpleAtoi(fields[9], &faults)) return std::nullopt;
  return faults;
}

uint64_t StatusKib(pid_t pid, const std::string& field) {
  std::istringstream in(ReadFile(absl::StrCat("/proc/", pid, "/status")));
  std::string name;
  while (in >> name) {
    uint64_t kib = 0;
    if (name == field + ":" && (in >> kib)) return kib;
  }
  return 0;
}

TEST(MemoryPressure, LockedRecorderTakesNoMajorFaultAndCountsExactlyWhileItsCgroupSwaps) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  if (auto h = FindMemoryHierarchy(); !h.ok()) SW_SKIP_OR_FAIL(h.status().ToString());
  // Declared first, removed last: swapoff once nothing uses the swap.
  auto swap = SwapDevice::CreateZram(1024 * kMiB);
  if (!swap.ok()) SW_SKIP_OR_FAIL(swap.status().ToString());
  auto loop = LoopDevice::Create(64 * kMiB);
  ASSERT_TRUE(loop.ok()) << loop.status();
  auto io = TestCgroup::Create("pressure-io");
  ASSERT_TRUE(io.ok()) << io.status();
  auto memory = MemoryCgroup::Create("pressure", kLimitBytes);
  ASSERT_TRUE(memory.ok()) << memory.status();
  const std::string capture = TempPath("pressure.jsonl");
  const std::string record_stderr = TempPath("pressure.stderr");

  // record inside the cgroup that will thrash: every page of it that is not
  // locked is there for the cgroup's reclaim to take. It starts before the
  // thrasher: under qemu's emulation, loading while the guest swaps took over
  // three minutes once, and what is tested is the locked recorder afterwards.
  std::string command = "exec";
  for (const std::string& a :
       SubmitwatchCommand("record", {"-o", capture, "--interval", "200ms"})) {
    absl::StrAppend(&command, " ", ShellQuote(a));
  }
  absl::StrAppend(&command, " 2>", ShellQuote(record_stderr));
  auto record = ProcessInCgroups::Exec({(*memory)->dir()}, {"sh", "-c", command});
  ASSERT_TRUE(record.ok()) << record.status();
  const pid_t pid = (*record)->pid();
  // Where the recorder waits, should it not get there: what it said, and the
  // kernel function it sleeps in.
  auto where = [&] {
    return absl::StrCat(ReadFile(record_stderr), "\nwchan: ",
                        ReadFile(absl::StrCat("/proc/", pid, "/wchan")), "\n",
                        ReadFile(absl::StrCat("/proc/", pid, "/stack")));
  };
  // Loading is slow under emulation.
  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(ReadFile(record_stderr), "attached"); },
                      180))
      << where();
  // Locked and prioritized before the capabilities go: once CAP_SYS_ADMIN
  // is gone, whatever mlockall had to fault in is in.
  ASSERT_TRUE(WaitFor(
      [&] { return (CapabilityMask(pid, "CapEff").value_or(~0ull) & kCapSysAdmin) == 0; }, 60))
      << where();
  EXPECT_FALSE(absl::StrContains(ReadFile(record_stderr), "warning")) << ReadFile(record_stderr);
  const uint64_t locked_kib = StatusKib(pid, "VmLck");
  EXPECT_GT(locked_kib, 0u);
  const std::optional<uint64_t> faults_attached = MajorFaults(pid);
  ASSERT_TRUE(faults_attached.has_value());
  const uint64_t cgroup_faults_before = (*memory)->Stat("pgmajfault").value_or(0);

  auto thrasher =
      ProcessInCgroups::Fork({(*memory)->dir()}, [] { return ThrashMemory(kWorkingSetBytes); });
  ASSERT_TRUE(thrasher.ok()) << thrasher.status();
  ASSERT_TRUE(WaitFor([&] { return (*memory)->SwapBytes() > 2 * kLimitBytes; }, 120))
      << "the cgroup does not swap: " << (*memory)->SwapBytes() << " bytes in swap";

  ASSERT_EQ(DirectWritesFromCgroup((*io)->dir(), (*loop)->device(), kBlocks), 0);
  // A few more snapshots under pressure, and long enough for the cgroup to
  // fault a thousand pages back in: emulated guests get there far slower.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_TRUE(WaitFor(
      [&] { return (*memory)->Stat("pgmajfault").value_or(0) - cgroup_faults_before > 1000; },
      120));
  ASSERT_TRUE((*thrasher)->Running());
  const std::optional<uint64_t> faults_end = MajorFaults(pid);
  const uint64_t cgroup_faults = (*memory)->Stat("pgmajfault").value_or(0) - cgroup_faults_before;
  EXPECT_EQ((*record)->Stop(SIGINT), 0) << ReadFile(record_stderr);
  (*thrasher)->Stop(SIGKILL);

  // The cgroup really was faulting its pages back in from swap all along.
  EXPECT_GT(cgroup_faults, 1000u);
  ASSERT_TRUE(faults_end.has_value());
  EXPECT_EQ(*faults_end - *faults_attached, 0u)
      << "the recorder waited on IO for its own pages while its cgroup swapped";
  printf("recorder: VmLck %llu KiB; its cgroup took %llu major faults meanwhile, it took %llu\n",
         static_cast<unsigned long long>(locked_kib),
         static_cast<unsigned long long>(cgroup_faults),
         static_cast<unsigned long long>(*faults_end - *faults_attached));

  auto records = CaptureReader::ReadAll(capture);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_TRUE(std::holds_alternative<CaptureSummary>(records->back()));
  EXPECT_EQ(std::get<CaptureSummary>(records->back()).lost, 0u);
  uint64_t bios = 0, bytes = 0;
  for (const Record& r : *records) {
    const BlkgRecord* b = std::get_if<BlkgRecord>(&r);
    if (b != nullptr && b->cgroup == (*io)->path() && b->disk == (*loop)->name() && !b->kthread) {
      bios = b->bios;
      bytes = b->bytes;
    }
  }
  EXPECT_EQ(bios, static_cast<uint64_t>(kBlocks));
  EXPECT_EQ(bytes, kBlocks * kBlockSize);
  unlink(capture.c_str());
  unlink(record_stderr.c_str());
}

// The workload (`-- CMD`) is forked before the recorder locks and raises its
// priority: it runs with neither, and with the memlock limit it was given.
TEST(MemoryPressure, RecorderIsLockedAndPrioritizedItsWorkloadIsNot) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  const std::string capture = TempPath("inherit.jsonl");
  const std::string seen = TempPath("inherit.txt");
  // The workload waits until the recorder is set up (it has dropped
  // CAP_SYS_ADMIN), then notes what it has and what its parent has.
  const std::string script = absl::StrCat(
      "for i in $(seq 300); do grep -q '^CapEff:.*' /proc/$PPID/status && "
      "[ $(( 0x$(awk '/^CapEff/ {print $2}' /proc/$PPID/status) & ", kCapSysAdmin,
      " )) -eq 0 ] && break; sleep 0.1; done; "
      "{ awk '/^VmLck/ {print $2}' /proc/$$/status; awk '{print $19}' /proc/$$/stat; "
      "awk '/^Max locked memory/ {print $4}' /proc/$$/limits; "
      "awk '/^VmLck/ {print $2}' /proc/$PPID/status; awk '{print $19}' /proc/$PPID/stat; } > ",
      ShellQuote(seen));
  CommandResult r = RunCommand(SubmitwatchCommand("record", {"-o", capture, "--", "sh", "-c",
                                                            script}));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> lines = absl::StrSplit(ReadFile(seen), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u) << ReadFile(seen);
  EXPECT_EQ(lines[0], "0") << "the workload's VmLck";
  EXPECT_EQ(lines[1], "0") << "the workload's nice";
  std::string own_limit = ReadFile("/proc/self/limits");
  EXPECT_TRUE(absl::StrContains(own_limit, lines[2])) << "the workload's RLIMIT_MEMLOCK "
                                                      << lines[2];
  uint64_t recorder_locked = 0;
  ASSERT_TRUE(absl::SimpleAtoi(lines[3], &recorder_locked)) << lines[3];
  EXPECT_GT(recorder_locked, 1024u) << "the recorder's VmLck (KiB)";
  EXPECT_EQ(lines[4], "-10") << "the recorder's nice";
  unlink(capture.c_str());
  unlink(seen.c_str());
}

}  // namespace
}  // namespace submitwatch::testing
