// cgroup id -> path, one copy per cgroup for everything that names it: the
// paths CgroupPaths found and the rows that keep naming a cgroup after it is
// gone. At 100,000 cgroups a second copy per row was 7 MiB of the recorder.
// No I/O.
#ifndef SUBMITWATCH_SYMBOLS_CGROUP_NAMES_H_
#define SUBMITWATCH_SYMBOLS_CGROUP_NAMES_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace submitwatch {

class CgroupNames {
 public:
  // A held name, reached without a hash probe: a snapshot reads the paths
  // of 100,000 rows, and probing for each was a sixth of its time.
  using Ref = uint32_t;

  // nullptr when the cgroup was never named, or forgotten and not held.
  const std::string* Find(uint64_t cgroup_id) const;
  // The cgroup's path as found now (a scan, or cgroup_mkdir): replaces an
  // older one, and keeps its holds. After Forget, the id is another
  // cgroup's (the kernel reuses inode numbers): holders of the old one keep
  // its old path.
  void Set(uint64_t cgroup_id, std::string path);
  // Something names the cgroup for a while: its path stays until the last
  // Release, even past Forget. `unnamed` becomes its path when it has none.
  Ref Hold(uint64_t cgroup_id, std::string_view unnamed);
  const std::string& Path(Ref ref) const { return names_[ref].path; }
  void Release(Ref ref);
  // The cgroup is gone: its path goes now, or at the last Release.
  void Forget(uint64_t cgroup_id);
  // Shrinks the tables once most of them were forgotten.
  void Compact();
  size_t size() const { return index_.size(); }

 private:
  struct Name {
    std::string path;
    uint64_t cgroup_id = 0;
    uint32_t holds = 0;
    bool forgotten = false;  // no longer in index_
    bool used = false;
  };
  Ref Add(uint64_t cgroup_id, std::string path);
  void Erase(Ref ref);

  std::deque<Name> names_;  // by Ref; a deque, so growing never copies them
  std::vector<Ref> free_;
  absl::flat_hash_map<uint64_t, Ref> index_;  // the cgroups alive, by id
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SYMBOLS_CGROUP_NAMES_H_
