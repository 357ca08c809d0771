// The memory pressure fixtures themselves: a process far above its cgroup's
// memory limit really swaps (to the zram device the test made), joins the
// cgroups it was given, and everything is gone after.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "memory_cgroup.h"
#include "process_in_cgroups.h"
#include "swap_device.h"

namespace submitwatch::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;

std::string CgroupsOf(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/cgroup"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool InProcSwaps(const std::string& device) {
  std::ifstream in("/proc/swaps");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, device + " ")) return true;
  }
  return false;
}

TEST(MemoryPressureFixtures, ProcessAboveItsLimitSwapsToZramAndAllIsRemovedAfter) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  if (auto h = FindMemoryHierarchy(); !h.ok()) SW_SKIP_OR_FAIL(h.status().ToString());
  auto swap = SwapDevice::CreateZram(512 * kMiB);
  if (!swap.ok()) SW_SKIP_OR_FAIL(swap.status().ToString());
  const std::string device = (*swap)->device();
  ASSERT_TRUE(InProcSwaps(device));

  auto memory = MemoryCgroup::Create("fixtures", 32 * kMiB);
  ASSERT_TRUE(memory.ok()) << memory.status();
  const std::string memory_dir = (*memory)->dir();
  auto io = TestCgroup::Create("fixtures-io");
  ASSERT_TRUE(io.ok()) << io.status();

  // v1: a process in an io/blkio cgroup and a memory cgroup at once (the
  // memory one may be on the unified hierarchy beside v1 blkio: 6.12 has no
  // v1 memory controller); v2: one cgroup is both, and a second directory
  // of the same hierarchy is refused.
  const std::string memory_path = memory_dir.substr(memory_dir.rfind('/'));
  if ((*memory)->v2() && (*io)->v2()) {
    EXPECT_FALSE(ProcessInCgroups::Exec({memory_dir, (*io)->dir()}, {"sleep", "30"}).ok());
  } else {
    auto sleeper = ProcessInCgroups::Exec({memory_dir, (*io)->dir()}, {"sleep", "30"});
    ASSERT_TRUE(sleeper.ok()) << sleeper.status();
    const std::string cgroups = CgroupsOf((*sleeper)->pid());
    EXPECT_TRUE(absl::StrContains(cgroups, absl::StrCat((*memory)->v2() ? "0::" : ":memory:",
                                                        memory_path, "\n")))
        << cgroups;
    EXPECT_TRUE(absl::StrContains(cgroups, absl::StrCat(":blkio:", (*io)->path(), "\n")))
        << cgroups;
    EXPECT_EQ((*sleeper)->Stop(SIGKILL), 128 + SIGKILL);
  }
  auto missing = ProcessInCgroups::Exec({memory_dir}, {"/nonexistent/submitwatch-test"});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "ENOENT")) << missing.status();

  // 128 MiB touched over and over under a 32 MiB limit.
  auto thrasher = ProcessInCgroups::Fork({memory_dir}, [] { return ThrashMemory(128 * kMiB); });
  ASSERT_TRUE(thrasher.ok()) << thrasher.status();
  const uint64_t faults_before = (*memory)->Stat("pgmajfault").value_or(0);
  bool swapping = false;
  for (int i = 0; i < 600 && !swapping; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE((*thrasher)->Running());
    swapping = (*memory)->Stat("pgmajfault").value_or(0) > faults_before + 1000 &&
               (*memory)->SwapBytes() > 32 * kMiB && (*swap)->UsedBytes() > 32 * kMiB;
  }
  EXPECT_TRUE(swapping) << "major faults " << (*memory)->Stat("pgmajfault").value_or(0)
                        << ", cgroup swap " << (*memory)->SwapBytes() << ", device swap "
                        << (*swap)->UsedBytes();
  EXPECT_EQ((*thrasher)->Stop(SIGKILL), 128 + SIGKILL);

  thrasher->reset();
  io->reset();
  memory->reset();
  swap->reset();
  EXPECT_NE(access(memory_dir.c_str(), F_OK), 0) << memory_dir << " is still there";
  EXPECT_FALSE(InProcSwaps(device)) << device << " is still swap";
  EXPECT_NE(access(absl::StrCat("/sys/block/", device.substr(5)).c_str(), F_OK), 0)
      << device << " is still there";
}

}  // namespace
}  // namespace submitwatch::testing
