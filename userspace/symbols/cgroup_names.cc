#include "symbols/cgroup_names.h"

namespace submitwatch {

const std::string* CgroupNames::Find(uint64_t cgroup_id) const {
  auto it = names_.find(cgroup_id);
  return it == names_.end() ? nullptr : &it->second.path;
}

void CgroupNames::Set(uint64_t cgroup_id, std::string path) {
  Name& name = names_[cgroup_id];
  name.path = std::move(path);
  // A cgroup id is an inode number, which the kernel can hand out again: a
  // new cgroup named under it is not the forgotten one.
  name.forgotten = false;
}

const std::string& CgroupNames::Hold(uint64_t cgroup_id, std::string_view unnamed) {
  auto [it, inserted] = names_.try_emplace(cgroup_id);
  if (inserted) it->second.path = unnamed;
  ++it->second.holds;
  return it->second.path;
}

void CgroupNames::Release(uint64_t cgroup_id) {
  auto it = names_.find(cgroup_id);
  if (it == names_.end() || it->second.holds == 0) return;
  if (--it->second.holds == 0 && it->second.forgotten) names_.erase(it);
}

void CgroupNames::Forget(uint64_t cgroup_id) {
  auto it = names_.find(cgroup_id);
  if (it == names_.end()) return;
  if (it->second.holds == 0) {
    names_.erase(it);
  } else {
    it->second.forgotten = true;
  }
}

void CgroupNames::Compact() {
  if (names_.size() * 4 < names_.capacity()) names_.rehash(0);
}

}  // namespace submitwatch
