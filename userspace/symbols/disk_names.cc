#include "absl/strings/string_view.h"
#include "symbols/disk_names.h"

#include <unistd.h>

#include <climits>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace submitwatch {

std::string DiskNames::Name(uint32_t major, uint32_t minor) {
  const uint64_t key = Key(major, minor);
  if (auto it = names_.find(key); it != names_.end()) return it->second;
  const std::string link = absl::StrCat(root_, "/", major, ":", minor);
  char target[PATH_MAX];
  const ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
  if (n <= 0) return absl::StrCat(major, ":", minor);  // not cached: may appear later
  absl::string_view path(target, static_cast<size_t>(n));
  std::string name(path.substr(path.rfind('/') + 1));
  names_[key] = name;
  return name;
}

std::optional<uint64_t> DiskNames::Sequence(uint32_t major, uint32_t minor) const {
  const std::string dir = absl::StrCat(root_, "/", major, ":", minor);
  if (access(dir.c_str(), F_OK) != 0) return std::nullopt;
  std::ifstream in(dir + "/diskseq");
  uint64_t seq = 0;
  if (!(in >> seq)) return 0;
  return seq;
}

}  // namespace submitwatch
