// A fresh cgroup with a memory limit, on whichever hierarchy carries the
// memory controller: cgroup v1's own `memory` hierarchy (memory.limit_in_bytes)
// or the v2 unified one (memory.max; the controller is enabled in the root's
// cgroup.subtree_control first). Memory pressure tests put a process in it
// whose working set is far above the limit, so it reclaims and swaps all the
// time. Kept apart from TestCgroup (the io/blkio hierarchy): on v1 the two
// are different cgroups a process joins both of (process_in_cgroups.h); on
// v2 one cgroup has both controllers.
#ifndef SUBMITWATCH_TESTS_KERNEL_MEMORY_CGROUP_H_
#define SUBMITWATCH_TESTS_KERNEL_MEMORY_CGROUP_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace submitwatch::testing {

// Where the memory controller is: a v1 mount with the "memory" option wins,
// else the v2 mount if its root offers "memory" in cgroup.controllers.
struct MemoryHierarchy {
  std::string mount_point;  // "/sys/fs/cgroup/memory" or "/sys/fs/cgroup"
  bool v2 = false;
};
absl::StatusOr<MemoryHierarchy> FindMemoryHierarchy(
    const std::string& mountinfo_path = "/proc/self/mountinfo");

class MemoryCgroup {
 public:
  // A child of the memory hierarchy's root named after `name` and this pid,
  // limited to `limit_bytes` of memory; swap is not limited (v1
  // memory.memsw.limit_in_bytes and v2 memory.swap.max stay unlimited), so
  // what does not fit is swapped out rather than OOM-killed.
  static absl::StatusOr<std::unique_ptr<MemoryCgroup>> Create(const std::string& name,
                                                              uint64_t limit_bytes);
  // Removes the cgroup; its processes must be gone (ProcessInCgroups ends
  // them on destruction), or rmdir is retried for five seconds and a warning printed.
  ~MemoryCgroup();
  MemoryCgroup(const MemoryCgroup&) = delete;
  MemoryCgroup& operator=(const MemoryCgroup&) = delete;

  const std::string& dir() const { return dir_; }
  bool v2() const { return v2_; }
  // A counter of memory.stat (the cgroup's own, not its descendants'), e.g.
  // "pgmajfault"; nullopt when absent.
  std::optional<uint64_t> Stat(const std::string& key) const;
  // Bytes of the cgroup's memory now in swap (v1 memory.memsw.usage_in_bytes
  // minus memory.usage_in_bytes, v2 memory.swap.current).
  uint64_t SwapBytes() const;

 private:
  MemoryCgroup() = default;

  std::string dir_;
  bool v2_ = false;
};

// Writes every page of `bytes` of anonymous memory, pass after pass, until
// killed: in a cgroup limited far below `bytes`, each pass swaps most of it
// out and back in. The pattern is never zero and changes every pass (since
// 6.12 the kernel keeps swapped-out zero pages in a bitmap, without IO).
// Makes no allocation but its mmap, so a forked child may run it
// (ProcessInCgroups::Fork). Returns 1 when the mmap fails.
int ThrashMemory(uint64_t bytes);

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_KERNEL_MEMORY_CGROUP_H_
