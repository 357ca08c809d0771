#include "swap_device.h"

#include <sys/swap.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/errno_text.h"
#include "kernel_fixtures.h"

namespace submitwatch::testing {
namespace {

constexpr char kZramControl[] = "/sys/class/zram-control";

absl::Status WriteSysfs(const std::string& path, const std::string& value) {
  std::ofstream f(path);
  f << value;
  f.close();
  if (!f) return absl::InternalError(absl::StrCat("cannot write '", value, "' to ", path));
  return absl::OkStatus();
}

}  // namespace

absl::Status SwapDevice::AddZram(uint64_t size_bytes) {
  if (access(kZramControl, F_OK) != 0) {
    // A modular zram (Debian's kernels): no devices of its own, we add ours.
    RunCommand({"modprobe", "zram", "num_devices=0"});
  }
  std::ifstream hot_add(absl::StrCat(kZramControl, "/hot_add"));
  int id = -1;
  if (!(hot_add >> id)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no zram: cannot read ", kZramControl, "/hot_add (CONFIG_ZRAM, or modprobe zram)"));
  }
  zram_id_ = id;
  device_ = absl::StrCat("/dev/zram", id);
  const std::string sysfs = absl::StrCat("/sys/block/zram", id);
  if (absl::Status s = WriteSysfs(sysfs + "/disksize", absl::StrCat(size_bytes)); !s.ok()) {
    return s;
  }
  // udev may be slow to make the node, or absent (scripts/qemu-test's guest).
  for (int i = 0; i < 50 && access(device_.c_str(), F_OK) != 0; ++i) usleep(100'000);
  if (access(device_.c_str(), F_OK) != 0) {
    std::ifstream dev(sysfs + "/dev");
    std::string major_minor;
    dev >> major_minor;
    RunCommand({"mknod", device_, "b", major_minor.substr(0, major_minor.find(':')),
                major_minor.substr(major_minor.find(':') + 1)});
  }
  return absl::OkStatus();
}

absl::Status SwapDevice::SwapOn(int priority) {
  if (CommandResult r = RunCommand({"mkswap", device_}); r.exit_code != 0) {
    return absl::InternalError(absl::StrCat("mkswap ", device_, ": ", r.output));
  }
  const int flags = SWAP_FLAG_PREFER | ((priority << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK);
  if (swapon(device_.c_str(), flags) != 0) {
    return absl::InternalError(absl::StrCat("swapon ", device_, ": ", ErrnoText(errno)));
  }
  swapped_on_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SwapDevice>> SwapDevice::CreateZram(uint64_t size_bytes,
                                                                   int priority) {
  auto swap = std::unique_ptr<SwapDevice>(new SwapDevice);
  if (absl::Status s = swap->AddZram(size_bytes); !s.ok()) return s;
  if (absl::Status s = swap->SwapOn(priority); !s.ok()) return s;
  return swap;
}

absl::StatusOr<std::unique_ptr<SwapDevice>> SwapDevice::CreateLoopOverZram(uint64_t size_bytes,
                                                                           int priority) {
  auto swap = std::unique_ptr<SwapDevice>(new SwapDevice);
  if (absl::Status s = swap->AddZram(size_bytes); !s.ok()) return s;
  // zram's blocks are pages: the loop's sectors must be too for direct IO.
  absl::StatusOr<std::unique_ptr<LoopDevice>> loop = LoopDevice::CreateOver(swap->device_, 4096);
  if (!loop.ok()) return loop.status();
  swap->loop_ = *std::move(loop);
  swap->device_ = swap->loop_->device();
  // Buffered, the loop's worker would fill zram's page cache, charged to
  // the cgroup under pressure: refuse rather than thrash that way.
  std::ifstream dio(absl::StrCat("/sys/block/", swap->loop_->name(), "/loop/dio"));
  int on = 0;
  if (!(dio >> on) || on != 1) {
    return absl::FailedPreconditionError(absl::StrCat(swap->device_, " over ", "zram",
                                                      swap->zram_id_, " is not in direct-IO mode"));
  }
  if (absl::Status s = swap->SwapOn(priority); !s.ok()) return s;
  return swap;
}

SwapDevice::~SwapDevice() {
  if (swapped_on_ && swapoff(device_.c_str()) != 0) {
    fprintf(stderr, "warning: swapoff %s: %s\n", device_.c_str(), ErrnoText(errno).c_str());
  }
  loop_.reset();  // lets go of the zram device
  if (zram_id_ < 0) return;
  const std::string sysfs = absl::StrCat("/sys/block/zram", zram_id_);
  // Busy for a moment after swapoff while the last opener lets go.
  for (int i = 0; i < 50; ++i) {
    if (WriteSysfs(sysfs + "/reset", "1").ok()) break;
    usleep(100'000);
  }
  if (!WriteSysfs(absl::StrCat(kZramControl, "/hot_remove"), absl::StrCat(zram_id_)).ok()) {
    fprintf(stderr, "warning: could not remove zram%d\n", zram_id_);
  }
}

uint64_t SwapDevice::UsedBytes() const {
  // "Filename Type Size Used Priority", sizes in KiB.
  std::ifstream in("/proc/swaps");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name, type;
    uint64_t size_kib = 0, used_kib = 0;
    if ((fields >> name >> type >> size_kib >> used_kib) && name == device_) {
      return used_kib * 1024;
    }
  }
  return 0;
}

}  // namespace submitwatch::testing
