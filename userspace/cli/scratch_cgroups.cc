#include "cli/scratch_cgroups.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/kernel_files.h"
#include "common/errno_text.h"

namespace submitwatch {
namespace {

constexpr int kPollMs = 50;

}  // namespace

absl::StatusOr<std::unique_ptr<ScratchCgroups>> ScratchCgroups::Create(
    const CgroupHierarchy& hierarchy, const std::string& name) {
  auto cgroups = std::unique_ptr<ScratchCgroups>(new ScratchCgroups);
  cgroups->hierarchy_ = hierarchy;
  const std::string dir = absl::StrCat(hierarchy.mount_point, "/", name);
  if (mkdir(dir.c_str(), 0755) != 0) return ErrnoError(absl::StrCat("mkdir ", dir));
  cgroups->parent_dir_ = dir;
  return cgroups;
}

absl::StatusOr<std::string> ScratchCgroups::AddChild(const std::string& name) {
  const std::string dir = absl::StrCat(parent_dir_, "/", name);
  if (mkdir(dir.c_str(), 0755) != 0) return ErrnoError(absl::StrCat("mkdir ", dir));
  children_.push_back(dir);
  return dir;
}

absl::Status ScratchCgroups::LimitWriteBps(const std::string& dir, uint32_t major, uint32_t minor,
                                           uint64_t bps) {
  if (!hierarchy_.v2) {
    return WriteKernelFile(absl::StrCat(dir, "/blkio.throttle.write_bps_device"),
                           absl::StrCat(major, ":", minor, " ", bps, "\n"));
  }
  const std::string root_control =
      ReadKernelFile(absl::StrCat(hierarchy_.mount_point, "/cgroup.subtree_control"));
  bool root_has_io = false;
  for (absl::string_view word : absl::StrSplit(root_control, absl::ByAnyChar(" \n"))) {
    if (word == "io") root_has_io = true;
  }
  if (!root_has_io) {
    return absl::FailedPreconditionError(
        "the io controller is not enabled in the root's cgroup.subtree_control");
  }
  if (absl::Status s =
          WriteKernelFile(absl::StrCat(parent_dir_, "/cgroup.subtree_control"), "+io\n");
      !s.ok()) {
    return s;
  }
  return WriteKernelFile(absl::StrCat(dir, "/io.max"),
                         absl::StrCat(major, ":", minor, " wbps=", bps, "\n"));
}

std::string ScratchCgroups::PathOf(const std::string& dir) const {
  return dir.substr(hierarchy_.mount_point.size());
}

std::vector<std::string> ScratchCgroups::DirsDeepestFirst() const {
  std::vector<std::string> dirs(children_.rbegin(), children_.rend());
  if (!parent_dir_.empty()) dirs.push_back(parent_dir_);
  return dirs;
}

bool ScratchCgroups::KillAndRemove(const std::vector<std::string>& dirs, int timeout_ms) {
  std::vector<std::string> left = dirs;
  for (int waited = 0; !left.empty() && waited <= timeout_ms; waited += kPollMs) {
    std::vector<std::string> still;
    for (const std::string& dir : left) {
      for (absl::string_view line : absl::StrSplit(ReadKernelFile(dir + "/cgroup.procs"), '\n')) {
        int pid;
        if (absl::SimpleAtoi(line, &pid) && pid > 0) kill(pid, SIGKILL);
      }
      if (rmdir(dir.c_str()) == 0 || errno == ENOENT) continue;
      still.push_back(dir);
    }
    left = std::move(still);
    if (!left.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
  return left.empty();
}

ScratchCgroups::~ScratchCgroups() {
  if (!KillAndRemove(DirsDeepestFirst(), 30'000)) {
    fprintf(stderr, "submitwatch demo: warning: could not remove %s: %s\n", parent_dir_.c_str(),
            ErrnoText(errno).c_str());
  }
}

}  // namespace submitwatch
