// A process started inside given cgroups: on cgroup v1 a process is in one
// cgroup per hierarchy (an io/blkio cgroup and a memory cgroup, say), on v2
// in one cgroup that has every controller.
#ifndef SUBMITWATCH_TESTS_KERNEL_PROCESS_IN_CGROUPS_H_
#define SUBMITWATCH_TESTS_KERNEL_PROCESS_IN_CGROUPS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace submitwatch::testing {

// A child process that joins each of `cgroup_dirs` (on v1, e.g. an io/blkio
// cgroup and a memory cgroup; on v2 a process is in one cgroup, so give one)
// before it runs anything, so its first page and first bio are charged there.
// Two directories of one hierarchy are refused: the second would only move
// the process out of the first. Destruction kills (SIGKILL) and reaps it if
// it still runs.
class ProcessInCgroups {
 public:
  // The child execs `argv` (PATH searched); a failure to join or to exec is
  // the returned error.
  static absl::StatusOr<std::unique_ptr<ProcessInCgroups>> Exec(
      const std::vector<std::string>& cgroup_dirs, const std::vector<std::string>& argv);
  // The child runs `body` and exits with what it returns. It is a fork of a
  // process that may have threads: `body` must not take locks another
  // thread may hold (no malloc, no stdio), as ThrashMemory does.
  static absl::StatusOr<std::unique_ptr<ProcessInCgroups>> Fork(
      const std::vector<std::string>& cgroup_dirs, const std::function<int()>& body);
  ~ProcessInCgroups();
  ProcessInCgroups(const ProcessInCgroups&) = delete;
  ProcessInCgroups& operator=(const ProcessInCgroups&) = delete;

  pid_t pid() const { return pid_; }
  // True while it runs (asked without waiting).
  bool Running();
  // Waits for it; its exit code as a shell shows it (128 + signal).
  int Wait();
  // Sends `signal`, then waits.
  int Stop(int signal);

 private:
  ProcessInCgroups() = default;
  // Forks; the child joins the cgroups, then execs `exec_argv`, or (null)
  // runs `body` and exits with its value. A failure to join or to exec is
  // sent back through a pipe and returned as an error.
  static absl::StatusOr<std::unique_ptr<ProcessInCgroups>> Spawn(
      const std::vector<std::string>& cgroup_dirs, char* const* exec_argv,
      const std::function<int()>& body);

  pid_t pid_ = -1;
  int exit_code_ = -1;
};

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_KERNEL_PROCESS_IN_CGROUPS_H_
