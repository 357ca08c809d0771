#include "absl/strings/string_view.h"
#include "symbols/cgroup_paths.h"

#include <dirent.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace submitwatch {

std::string CgroupHierarchy::Describe() const {
  return absl::StrCat(v2 ? "v2 io" : "v1 blkio", " at ", mount_point);
}

namespace {

// The hierarchy column of the blkio line: "blkio\t6\t42\t1".
int BlkioHierarchyId(const std::string& proc_cgroups_path) {
  std::ifstream in(proc_cgroups_path);
  std::string name;
  int hierarchy = 0;
  std::string rest;
  while (in >> name) {
    if (name == "blkio" && (in >> hierarchy)) return hierarchy;
    std::getline(in, rest);
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::optional<ControllerMount>> FindControllerMount(
    std::string_view v1_controller, std::string_view v2_controller,
    const std::string& mountinfo_path) {
  std::ifstream in(mountinfo_path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", mountinfo_path));
  std::string line;
  std::string v2_mount;
  while (std::getline(in, line)) {
    // "36 25 0:31 / /sys/fs/cgroup/blkio rw,relatime shared:9 - cgroup cgroup rw,blkio"
    std::vector<std::string> halves = absl::StrSplit(line, " - ");
    if (halves.size() != 2) continue;
    std::vector<std::string> left = absl::StrSplit(halves[0], ' ');
    std::vector<std::string> right = absl::StrSplit(halves[1], ' ');
    if (left.size() < 5 || right.size() < 3) continue;
    const std::string& mount_point = left[4];
    if (right[0] == "cgroup") {
      for (absl::string_view opt : absl::StrSplit(right[2], ',')) {
        if (std::string_view(opt.data(), opt.size()) == v1_controller) {
          return ControllerMount{mount_point, false};
        }
      }
    } else if (right[0] == "cgroup2" && v2_mount.empty()) {
      v2_mount = mount_point;
    }
  }
  if (!v2_mount.empty()) {
    std::ifstream controllers(v2_mount + "/cgroup.controllers");
    std::string word;
    while (controllers >> word) {
      if (word == v2_controller) return ControllerMount{v2_mount, true};
    }
  }
  return std::nullopt;
}

absl::StatusOr<CgroupHierarchy> FindIoHierarchy(const std::string& mountinfo_path,
                                                const std::string& proc_cgroups_path) {
  absl::StatusOr<std::optional<ControllerMount>> mount =
      FindControllerMount("blkio", "io", mountinfo_path);
  if (!mount.ok()) return mount.status();
  if (!mount->has_value()) {
    return absl::NotFoundError(
        "no cgroup hierarchy with the io controller: mount cgroup v1 blkio or "
        "enable \"io\" on cgroup v2; per-cgroup readiness needs it");
  }
  const ControllerMount& found = **mount;
  return CgroupHierarchy{found.mount_point, found.v2,
                         found.v2 ? 0 : BlkioHierarchyId(proc_cgroups_path)};
}

const std::string& CgroupPaths::Path(uint64_t cgroup_id) {
  if (const std::string* path = names_.Find(cgroup_id)) return *path;
  const int64_t now = absl::GetCurrentTimeNanos();
  if (now - last_scan_ns_ > 1'000'000'000 || names_.size() == 0) {
    Rescan();
    last_scan_ns_ = now;
    if (const std::string* path = names_.Find(cgroup_id)) return *path;
  }
  unnamed_ = absl::StrCat("cgroup-", cgroup_id);
  return unnamed_;
}

void CgroupPaths::Remember(uint64_t cgroup_id, std::string path) {
  names_.Set(cgroup_id, std::move(path));
}

void CgroupPaths::Rescan() {
  const std::string& root = hierarchy_.mount_point;
  std::function<void(const std::string&, const std::string&)> walk =
      [&](const std::string& dir, const std::string& rel) {
        struct stat st;
        if (stat(dir.c_str(), &st) != 0) return;
        names_.Set(st.st_ino, rel.empty() ? "/" : rel);
        DIR* d = opendir(dir.c_str());
        if (d == nullptr) return;
        while (dirent* entry = readdir(d)) {
          if (entry->d_type != DT_DIR) continue;
          absl::string_view name = entry->d_name;
          if (name == "." || name == "..") continue;
          walk(absl::StrCat(dir, "/", name), absl::StrCat(rel, "/", name));
        }
        closedir(d);
      };
  walk(root, "");
}

}  // namespace submitwatch
