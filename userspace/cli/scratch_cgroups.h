// A directory of our own under the io hierarchy's root, with children, for
// `submitwatch demo`: removed (with whatever still runs in it) when this goes.
#ifndef SUBMITWATCH_CLI_SCRATCH_CGROUPS_H_
#define SUBMITWATCH_CLI_SCRATCH_CGROUPS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "symbols/cgroup_paths.h"

namespace submitwatch {

class ScratchCgroups {
 public:
  // Makes <mount>/<name>; fails if it exists (it is not ours then).
  static absl::StatusOr<std::unique_ptr<ScratchCgroups>> Create(const CgroupHierarchy& hierarchy,
                                                                const std::string& name);
  ~ScratchCgroups();  // kills what still runs in them, removes them
  ScratchCgroups(const ScratchCgroups&) = delete;
  ScratchCgroups& operator=(const ScratchCgroups&) = delete;

  // Makes <parent>/<name>; returns its directory.
  absl::StatusOr<std::string> AddChild(const std::string& name);
  // Limits writes of `dir` to `device` to bps bytes/s: v1
  // blkio.throttle.write_bps_device, v2 io.max (this needs "io" in the
  // root's cgroup.subtree_control, which demo does not change).
  absl::Status LimitWriteBps(const std::string& dir, uint32_t major, uint32_t minor, uint64_t bps);

  const std::string& parent_dir() const { return parent_dir_; }
  // "/submitwatch-demo-42/throttled": the path as submitwatch shows it.
  std::string PathOf(const std::string& dir) const;
  // Children first, then the parent: the order rmdir needs.
  std::vector<std::string> DirsDeepestFirst() const;

  // SIGKILLs every task in `dirs` and removes them, retrying while tasks
  // exit; true when all are gone. For the destructor and the guardian.
  static bool KillAndRemove(const std::vector<std::string>& dirs, int timeout_ms);

 private:
  ScratchCgroups() = default;
  CgroupHierarchy hierarchy_;
  std::string parent_dir_;
  std::vector<std::string> children_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_SCRATCH_CGROUPS_H_
