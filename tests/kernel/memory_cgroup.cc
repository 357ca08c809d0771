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
#include "symbols/cgroup_paths.h"

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

}  // namespace

absl::StatusOr<MemoryHierarchy> FindMemoryHierarchy(const std::string& mountinfo_path) {
  absl::StatusOr<std::optional<ControllerMount>> mount =
      FindControllerMount("memory", "memory", mountinfo_path);
  if (!mount.ok()) return mount.status();
  if (!mount->has_value()) {
    return absl::NotFoundError(
        "no cgroup hierarchy with the memory controller (v1 `memory` mount, or v2 with "
        "\"memory\" in cgroup.controllers)");
  }
  return MemoryHierarchy{(*mount)->mount_point, (*mount)->v2};
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
