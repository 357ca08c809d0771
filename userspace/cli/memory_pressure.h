// Keeping the recorder working under the memory pressure it watches: its
// memory locked (no page of it is reclaimed, so it never waits on a page
// fault or on reclaim it did not cause) and its priority raised.
//
// mlockall(MCL_CURRENT) makes every mapped page resident, so what is mapped
// must be small: BoundMemoryForLocking() sees to it before anything is
// allocated, PrepareForPressure() locks once attached.
#ifndef SUBMITWATCH_CLI_MEMORY_PRESSURE_H_
#define SUBMITWATCH_CLI_MEMORY_PRESSURE_H_

#include <cstdint>
#include <string>

namespace submitwatch {

// The most the recorder may lock: RLIMIT_MEMLOCK once capabilities are
// dropped (CAP_IPC_LOCK with them), so a heap that kept growing would fail
// an allocation rather than pin the host's memory. What it locks is about
// 12 MiB (README, "A recorder that does not stall").
inline constexpr uint64_t kMemoryLockLimitBytes = 256ull << 20;
// What the recorder's threads run at (nice): ahead of the host's ordinary
// work (0), which it must keep up with, yet never ahead of the kernel
// threads that write back and swap (real-time scheduling could starve the
// very IO it watches).
inline constexpr int kRecorderNice = -10;

// The malloc policy (common/malloc_policy.h), and thread stacks of 256 KiB
// instead of 8 MiB (all of a stack is locked). Call first, before any
// thread starts.
void BoundMemoryForLocking();

struct PressureSetup {
  bool locked = false;
  // Keep CAP_IPC_LOCK when dropping capabilities: RLIMIT_MEMLOCK could not
  // be raised, and every later mapping (a heap that grows, a stack) of a
  // process locked with MCL_FUTURE is checked against it unless the
  // process holds CAP_IPC_LOCK: without it, they would fail.
  bool keep_ipc_lock = false;
  bool prioritized = false;
  std::string warning;  // what could not be done, one line; empty when all was
};

// mlockall(MCL_CURRENT | MCL_FUTURE) with RLIMIT_MEMLOCK set to
// kMemoryLockLimitBytes (raising it needs CAP_SYS_RESOURCE; where that is
// missing, with CAP_IPC_LOCK kept instead), then nice kRecorderNice for every
// thread of the process and those it starts later. Call once attached, after the
// workload started (a child must not inherit the priority or the limit;
// locks are not inherited across fork anyway) and before capabilities are
// dropped. What is refused is a warning: the recorder goes on without it.
// `lock_memory` false (--user-stacks: libbcc and LLVM are mapped, and would
// pin about 230 MiB) only raises the priority, and the warning says so.
PressureSetup PrepareForPressure(bool lock_memory);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_MEMORY_PRESSURE_H_
