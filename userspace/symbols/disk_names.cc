#include "absl/strings/string_view.h"
#include "symbols/disk_names.h"

#include <unistd.h>

#include <climits>

#include "absl/strings/str_cat.h"

namespace submitwatch {

std::string DiskNames::Name(uint32_t major, uint32_t minor) {
  const uint64_t key = (uint64_t{major} << 32) | minor;
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

}  // namespace submitwatch
