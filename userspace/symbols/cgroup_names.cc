#include "symbols/cgroup_names.h"

#include <algorithm>

namespace submitwatch {

const std::string* CgroupNames::Find(uint64_t cgroup_id) const {
  auto it = index_.find(cgroup_id);
  return it == index_.end() ? nullptr : &names_[it->second].path;
}

CgroupNames::Ref CgroupNames::Add(uint64_t cgroup_id, std::string path) {
  Ref ref;
  if (free_.empty()) {
    ref = static_cast<Ref>(names_.size());
    names_.emplace_back();
  } else {
    ref = free_.back();
    free_.pop_back();
  }
  names_[ref] = {std::move(path), cgroup_id, 0, false, true};
  index_[cgroup_id] = ref;
  return ref;
}

void CgroupNames::Erase(Ref ref) {
  Name& name = names_[ref];
  if (!name.forgotten) index_.erase(name.cgroup_id);
  name = Name{};  // its string goes now, not when the place is reused
  free_.push_back(ref);
}

void CgroupNames::Set(uint64_t cgroup_id, std::string path) {
  if (auto it = index_.find(cgroup_id); it != index_.end()) {
    names_[it->second].path = std::move(path);
  } else {
    Add(cgroup_id, std::move(path));
  }
}

CgroupNames::Ref CgroupNames::Hold(uint64_t cgroup_id, std::string_view unnamed) {
  auto it = index_.find(cgroup_id);
  const Ref ref = it != index_.end() ? it->second : Add(cgroup_id, std::string(unnamed));
  ++names_[ref].holds;
  return ref;
}

void CgroupNames::Release(Ref ref) {
  Name& name = names_[ref];
  if (name.holds == 0) return;
  if (--name.holds == 0 && name.forgotten) Erase(ref);
}

void CgroupNames::Forget(uint64_t cgroup_id) {
  auto it = index_.find(cgroup_id);
  if (it == index_.end()) return;
  const Ref ref = it->second;
  if (names_[ref].holds == 0) {
    Erase(ref);
  } else {
    // Out of the index now, so that a new cgroup under the same id is named
    // apart; the holders still reach it by its Ref.
    names_[ref].forgotten = true;
    index_.erase(it);
  }
}

void CgroupNames::Compact() {
  if (index_.size() * 4 < index_.capacity()) index_.rehash(0);
  if (free_.size() * 2 > names_.size()) {
    while (!names_.empty() && !names_.back().used) names_.pop_back();
    std::erase_if(free_, [&](Ref r) { return r >= names_.size(); });
    names_.shrink_to_fit();
    free_.shrink_to_fit();
  }
}

}  // namespace submitwatch
