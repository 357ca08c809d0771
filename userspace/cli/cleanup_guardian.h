// A child process that removes demo's cgroups and loop device if demo dies
// without dismissing it (SIGKILL, a crash): it waits for a byte on a pipe, and
// the pipe closing without one means demo is gone.
#ifndef SUBMITWATCH_CLI_CLEANUP_GUARDIAN_H_
#define SUBMITWATCH_CLI_CLEANUP_GUARDIAN_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/unique_fd.h"

namespace submitwatch {

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
  UniqueFd pipe_write_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_CLEANUP_GUARDIAN_H_
