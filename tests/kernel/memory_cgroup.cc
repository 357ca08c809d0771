#include "memory_cgroup.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/errno_text.h"

namespace submitwatch::testing {
namespace {

absl::Status WriteControl(const std::string& path, const std::string& value) {
  std::ofstream f(path);
  f << value;
  f.close();
  if (!f) return absl::InternalError(absl::StrCat("cannot write '", value, "' to ", path));
  return absl::OkStatus();
}

std::optional<uint64_t> ReadCount(const std::string& path) {
  std::ifstream in(path);
  uint64_t value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

bool OffersMemory(const std::string& v2_mount) {
  std::ifstream controllers(v2_mount + "/cgroup.controllers");
  std::string word;
  while (controllers >> word) {
    if (word == "memory") return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<MemoryHierarchy> FindMemoryHierarchy(const std::string& mountinfo_path) {
  std::ifstream in(mountinfo_path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", mountinfo_path));
  std::string line;
  std::string v2_mount;
  while (std::getline(in, line)) {
    // "36 25 0:31 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory"
    std::vector<std::string> halves = absl::StrSplit(line, " - ");
    if (halves.size() != 2) continue;
    std::vector<std::string> left = absl::StrSplit(halves[0], ' ');
    std::vector<std::string> right = absl::StrSplit(halves[1], ' ');
    if (left.size() < 5 || right.size() < 3) continue;
    if (right[0] == "cgroup") {
      for (absl::string_view opt : absl::StrSplit(right[2], ',')) {
        if (opt == "memory") return MemoryHierarchy{left[4], false};
      }
    } else if (right[0] == "cgroup2" && v2_mount.empty()) {
      v2_mount = left[4];
    }
  }
  if (!v2_mount.empty() && OffersMemory(v2_mount)) return MemoryHierarchy{v2_mount, true};
  return absl::NotFoundError(
      "no cgroup hierarchy with the memory controller (v1 `memory` mount, or v2 with "
      "\"memory\" in cgroup.controllers)");
}

absl::StatusOr<std::unique_ptr<MemoryCgroup>> MemoryCgroup::Create(const std::string& name,
                                                                   uint64_t limit_bytes) {
  absl::StatusOr<MemoryHierarchy> h = FindMemoryHierarchy();
  if (!h.ok()) return h.status();
  if (h->v2) {
    // Children of the root get the controller only once the root hands it
    // down; the root is exempt from "no internal processes", so this works
    // whatever runs there. Left enabled: others (systemd) rely on it too.
    if (absl::Status s = WriteControl(h->mount_point + "/cgroup.subtree_control", "+memory");
        !s.ok()) {
      return s;
    }
  }
  auto cg = std::unique_ptr<MemoryCgroup>(new MemoryCgroup);
  cg->v2_ = h->v2;
  cg->dir_ = absl::StrCat(h->mount_point, "/submitwatch-test-", getpid(), "-", name);
  if (mkdir(cg->dir_.c_str(), 0755) != 0) {
    const int err = errno;
    cg->dir_.clear();
    return absl::InternalError(absl::StrCat("mkdir ", h->mount_point, "/submitwatch-test-",
                                            getpid(), "-", name, ": ", ErrnoText(err)));
  }
  const std::string limit = absl::StrCat(limit_bytes);
  if (cg->v2_) {
    if (absl::Status s = WriteControl(cg->dir_ + "/memory.max", limit); !s.ok()) return s;
    // Absent without swap accounting (the default is "max" anyway).
    if (access((cg->dir_ + "/memory.swap.max").c_str(), W_OK) == 0) {
      if (absl::Status s = WriteControl(cg->dir_ + "/memory.swap.max", "max"); !s.ok()) return s;
    }
  } else {
    if (absl::Status s = WriteControl(cg->dir_ + "/memory.limit_in_bytes", limit); !s.ok()) {
      return s;
    }
  }
  return cg;
}

MemoryCgroup::~MemoryCgroup() {
  if (dir_.empty()) return;
  // Its processes were killed; rmdir can still race their exit.
  for (int i = 0; i < 50; ++i) {
    if (rmdir(dir_.c_str()) == 0 || errno == ENOENT) return;
    usleep(100'000);
  }
  fprintf(stderr, "warning: could not remove %s: %s\n", dir_.c_str(), ErrnoText(errno).c_str());
}

std::optional<uint64_t> MemoryCgroup::Stat(const std::string& key) const {
  std::ifstream in(dir_ + "/memory.stat");
  std::string name;
  uint64_t value = 0;
  while (in >> name >> value) {
    if (name == key) return value;
  }
  return std::nullopt;
}

uint64_t MemoryCgroup::SwapBytes() const {
  if (v2_) return ReadCount(dir_ + "/memory.swap.current").value_or(0);
  const std::optional<uint64_t> both = ReadCount(dir_ + "/memory.memsw.usage_in_bytes");
  const std::optional<uint64_t> memory = ReadCount(dir_ + "/memory.usage_in_bytes");
  if (!both || !memory || *both < *memory) return 0;
  return *both - *memory;
}

int ThrashMemory(uint64_t bytes) {
  void* area = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) return 1;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  // volatile: the stores are the point, the compiler must not drop them.
  volatile uint64_t* words = static_cast<volatile uint64_t*>(area);
  const size_t words_per_page = page / sizeof(uint64_t);
  for (uint64_t pass = 1;; ++pass) {
    for (size_t offset = 0; offset < bytes; offset += page) {
      // Half a page of varying words: not a same-filled page either, which
      // zram would store without compressing.
      volatile uint64_t* p = words + offset / sizeof(uint64_t);
      for (size_t i = 0; i < words_per_page / 2; ++i) p[i] = (pass << 32) ^ (offset + i) ^ 0x5a5a;
    }
  }
}

}  // namespace submitwatch::testing
