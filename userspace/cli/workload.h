// The command a live session runs (`-- CMD ARGS...`): started with the signal
// dispositions it would have had without us, and never outliving its owner.
#ifndef SUBMITWATCH_CLI_WORKLOAD_H_
#define SUBMITWATCH_CLI_WORKLOAD_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace submitwatch {

class Workload {
 public:
  // fork + exec; an exec failure exits the child 127 with a message.
  static absl::StatusOr<Workload> Start(const std::vector<std::string>& command);

  Workload() = default;  // none: Exited() is false, Stop() says -1
  Workload(Workload&& other) noexcept;
  Workload& operator=(Workload&& other) noexcept;
  ~Workload() { Stop(); }

  // True once it has exited (asked without waiting).
  bool Exited();
  // Its exit code as a shell shows it, after SIGTERM and a wait if it still
  // runs; -1 when none was started (or it cannot be told).
  int Stop();

 private:
  explicit Workload(pid_t pid) : pid_(pid) {}

  pid_t pid_ = -1;  // -1: none running
  int exit_code_ = -1;
};

// A waitpid status as a shell shows it: the exit code, or 128 + signal.
int ExitCodeOf(int wait_status);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_WORKLOAD_H_
