// What `submitwatch demo` makes and must remove again: a loop device on a
// sparse file, cgroups in the io/blkio hierarchy, processes doing IO in them,
// and a guardian process that removes them if demo itself dies without
// cleaning up (SIGKILL, a crash). Every piece is RAII; DemoEnvironment
// removes them in the one order that works: processes, then cgroups (a cgroup
// with a task cannot be removed), then the loop device (its users are gone).
#ifndef SUBMITWATCH_CLI_DEMO_ENVIRONMENT_H_
#define SUBMITWATCH_CLI_DEMO_ENVIRONMENT_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "symbols/cgroup_paths.h"

namespace submitwatch {

// A loop device backed by a sparse file in a private temporary directory.
// The device is configured with LO_FLAGS_AUTOCLEAR and the file and its
// directory are unlinked as soon as it is attached: the kernel keeps the file
// open, so nothing is left on disk whatever happens to us, and the device
// detaches itself when the last user closes it.
class ScratchLoopDevice {
 public:
  static absl::StatusOr<std::unique_ptr<ScratchLoopDevice>> Create(uint64_t size_bytes);
  ~ScratchLoopDevice();  // detaches and waits until the kernel has let go
  ScratchLoopDevice(const ScratchLoopDevice&) = delete;
  ScratchLoopDevice& operator=(const ScratchLoopDevice&) = delete;

  const std::string& device() const { return device_; }  // "/dev/loop7"
  std::string name() const;                              // "loop7"
  const std::string& backing_dir() const { return backing_dir_; }
  uint32_t major() const { return major_; }
  uint32_t minor() const { return minor_; }
  uint64_t size_bytes() const { return size_bytes_; }

  // Detaches `device` if its backing file still lies under `backing_dir`
  // (after autoclear the number may already belong to someone else), and
  // waits up to `timeout_ms` for it to be free. For the guardian.
  static void DetachIfOurs(const std::string& device, const std::string& backing_dir,
                           int timeout_ms);

 private:
  ScratchLoopDevice() = default;
  std::string device_;
  std::string backing_dir_;
  uint64_t size_bytes_ = 0;
  uint32_t major_ = 0;
  uint32_t minor_ = 0;
  int fd_ = -1;
};

// A directory of our own under the io hierarchy's root, with children.
class ScratchCgroups {
 public:
  // Makes <mount>/<name>; fails if it exists (it is not ours then).
  static absl::StatusOr<std::unique_ptr<ScratchCgroups>> Create(const CgroupHierarchy& hierarchy,
                                                                const std::string& name);
  ~ScratchCgroups();  // kills what still runs in them, removes them
  ScratchCgroups(const ScratchCgroups&) = delete;
  ScratchCgroups& operator=(const ScratchCgroups&) = delete;

  // Makes <parent>/<name>; returns its directory.
  absl::StatusOr<std::string> AddChild(const std::string& name);
  // Limits writes of `dir` to `device` to bps bytes/s: v1
  // blkio.throttle.write_bps_device, v2 io.max (this needs "io" in the
  // root's cgroup.subtree_control, which demo does not change).
  absl::Status LimitWriteBps(const std::string& dir, uint32_t major, uint32_t minor, uint64_t bps);

  const std::string& parent_dir() const { return parent_dir_; }
  // "/submitwatch-demo-42/throttled": the path as submitwatch shows it.
  std::string PathOf(const std::string& dir) const;
  // Children first, then the parent: the order rmdir needs.
  std::vector<std::string> DirsDeepestFirst() const;

  // SIGKILLs every task in `dirs` and removes them, retrying while tasks
  // exit; true when all are gone. For the destructor and the guardian.
  static bool KillAndRemove(const std::vector<std::string>& dirs, int timeout_ms);

 private:
  ScratchCgroups() = default;
  CgroupHierarchy hierarchy_;
  std::string parent_dir_;
  std::vector<std::string> children_;
};

// Processes writing to the loop device from inside the cgroups, each in its
// own process group (a Ctrl-C on the terminal is for demo, which stops them
// in order). They start their IO only when Go() is called, so that the first
// bio of each cgroup, which creates its blkg, happens while we watch.
class IoWorkers {
 public:
  IoWorkers() = default;
  ~IoWorkers();  // SIGKILL and reap
  IoWorkers(const IoWorkers&) = delete;
  IoWorkers& operator=(const IoWorkers&) = delete;

  // Forks a worker that joins `cgroup_dir` and, after Go(), loops over
  // [offset, offset + span) of `device`: O_DIRECT writes, and buffered writes
  // followed by fdatasync, `pause_ms` apart.
  absl::Status Start(const std::string& cgroup_dir, const std::string& device, uint64_t offset,
                     uint64_t span, int pause_ms);
  void Go();
  // A worker that exited by itself: "worker 123 exited with status 1", or
  // nullopt while all run.
  std::optional<std::string> Casualty();
  void StopAll();

 private:
  std::vector<pid_t> pids_;
  int go_read_ = -1;
  int go_write_ = -1;
};

// A child process that removes the cgroups and the loop device if demo dies
// without dismissing it: it waits for a byte on a pipe, and the pipe closing
// without one means demo is gone.
class CleanupGuardian {
 public:
  static absl::StatusOr<std::unique_ptr<CleanupGuardian>> Start(
      std::vector<std::string> cgroup_dirs, std::string loop_device, std::string backing_dir);
  ~CleanupGuardian();  // dismisses it: demo cleaned up itself
  CleanupGuardian(const CleanupGuardian&) = delete;
  CleanupGuardian& operator=(const CleanupGuardian&) = delete;

 private:
  CleanupGuardian() = default;
  pid_t pid_ = -1;
  int pipe_write_ = -1;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_DEMO_ENVIRONMENT_H_
