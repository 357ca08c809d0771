// cgroup id -> path, one copy per cgroup for everything that names it: the
// paths CgroupPaths found and the rows that keep naming a cgroup after it is
// gone. At 100,000 cgroups a second copy per row was 7 MiB of the recorder.
// No I/O.
#ifndef SUBMITWATCH_SYMBOLS_CGROUP_NAMES_H_
#define SUBMITWATCH_SYMBOLS_CGROUP_NAMES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace submitwatch {

class CgroupNames {
 public:
  // nullptr when the cgroup was never named, or forgotten and not held.
  const std::string* Find(uint64_t cgroup_id) const;
  // The cgroup's path as found now (a scan, or cgroup_mkdir): replaces an
  // older one, and keeps its holds.
  void Set(uint64_t cgroup_id, std::string path);
  // Something names the cgroup for a while: its path stays until the last
  // Release, even past Forget. `unnamed` becomes its path when it has none.
  const std::string& Hold(uint64_t cgroup_id, std::string_view unnamed);
  void Release(uint64_t cgroup_id);
  // The cgroup is gone: its path goes now, or at the last Release.
  void Forget(uint64_t cgroup_id);
  // Shrinks the table once most of it was forgotten.
  void Compact();
  size_t size() const { return names_.size(); }

 private:
  struct Name {
    std::string path;
    uint32_t holds = 0;
    bool forgotten = false;
  };
  absl::flat_hash_map<uint64_t, Name> names_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SYMBOLS_CGROUP_NAMES_H_
