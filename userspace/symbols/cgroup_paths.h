// cgroup id -> path in the hierarchy that carries the io controller: "blkio"
// on cgroup v1, "io" on v2. The kernel reports ids (kernfs node ids, which
// are the directories' inode numbers); people read paths.
#ifndef SUBMITWATCH_SYMBOLS_CGROUP_PATHS_H_
#define SUBMITWATCH_SYMBOLS_CGROUP_PATHS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "symbols/cgroup_names.h"

namespace submitwatch {

struct CgroupHierarchy {
  std::string mount_point;  // "/sys/fs/cgroup/blkio"
  bool v2 = false;
  // cgroup_root::hierarchy_id, as cgroup:cgroup_mkdir/rmdir report it: the
  // blkio line of /proc/cgroups on v1; 0 (the default hierarchy) on v2.
  int hierarchy_id = 0;
  std::string Describe() const;
};

// Where a controller is mounted, per a mountinfo file: a v1 mount with
// `v1_controller` among its options wins (the controller is bound there),
// else the first v2 mount if its root offers `v2_controller` in
// cgroup.controllers. nullopt when neither; an error when the file cannot be
// read.
struct ControllerMount {
  std::string mount_point;
  bool v2 = false;
};
absl::StatusOr<std::optional<ControllerMount>> FindControllerMount(
    std::string_view v1_controller, std::string_view v2_controller,
    const std::string& mountinfo_path);

// Finds the io hierarchy in a mountinfo file: a v1 mount with the blkio
// option wins (the controller is bound there), else the v2 mount if its root
// offers "io" in cgroup.controllers.
absl::StatusOr<CgroupHierarchy> FindIoHierarchy(
    const std::string& mountinfo_path = "/proc/self/mountinfo",
    const std::string& proc_cgroups_path = "/proc/cgroups");

class CgroupPaths {
 public:
  explicit CgroupPaths(CgroupHierarchy hierarchy) : hierarchy_(std::move(hierarchy)) {}

  // "/" for the root, "/a/b" below it; "cgroup-<id>" when the cgroup is gone
  // before it could be named. A miss rescans the tree at most once per second
  // of calls (cgroups appear while we run). Valid until the next call; a
  // reference, so naming the cgroup of each event copies into the record's
  // string without an allocation of its own.
  const std::string& Path(uint64_t cgroup_id);
  // What cgroup:cgroup_mkdir told while the cgroup existed; wins over a scan.
  void Remember(uint64_t cgroup_id, std::string path);
  // The cgroup is gone: its name goes once no row holds it.
  void Forget(uint64_t cgroup_id) { names_.Forget(cgroup_id); }
  // Shrinks the table once most of it was forgotten.
  void Compact() { names_.Compact(); }
  const CgroupHierarchy& hierarchy() const { return hierarchy_; }
  // What rows hold their cgroups' paths in.
  CgroupNames& names() { return names_; }

 private:
  void Rescan();

  CgroupHierarchy hierarchy_;
  CgroupNames names_;
  std::string unnamed_;  // what Path() returned for a cgroup it could not name
  int64_t last_scan_ns_ = 0;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SYMBOLS_CGROUP_PATHS_H_
