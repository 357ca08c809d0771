// Processes writing to demo's loop device from inside its cgroups, each in
// its own process group (a Ctrl-C on the terminal is for demo, which stops
// them in order). They start their IO only when Go() is called, so that the
// first bio of each cgroup, which creates its blkg, happens while we watch.
#ifndef SUBMITWATCH_CLI_IO_WORKERS_H_
#define SUBMITWATCH_CLI_IO_WORKERS_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/unique_fd.h"

namespace submitwatch {

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
  // One byte per worker says go; EOF (demo gone) says stop.
  UniqueFd go_read_;
  UniqueFd go_write_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_IO_WORKERS_H_
