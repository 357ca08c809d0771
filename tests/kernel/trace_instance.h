// A tracefs instance of the test's own: tracefs mounted on a fresh temporary
// directory (whether or not the system has it mounted), an instance there
// with its own buffer and clock, some events enabled. Everything is undone
// in the destructor, pass or fail: events off, instance removed, unmounted.
#ifndef SUBMITWATCH_TESTS_KERNEL_TRACE_INSTANCE_H_
#define SUBMITWATCH_TESTS_KERNEL_TRACE_INSTANCE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace submitwatch::testing {

class TraceInstance {
 public:
  // `events`: "system/event" names. `clock`: a name from trace_clock; "mono"
  // is CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns() and of the capture.
  static absl::StatusOr<std::unique_ptr<TraceInstance>> Start(
      const std::vector<std::string>& events, const std::string& clock);
  ~TraceInstance();
  TraceInstance(const TraceInstance&) = delete;
  TraceInstance& operator=(const TraceInstance&) = delete;

  // Where a process writes a line into this instance's trace
  // ("tracing_mark_write: <line>").
  std::string MarkerPath() const { return instance_dir_ + "/trace_marker"; }
  // Stops recording and returns what the buffer holds, as tracefs prints it.
  absl::StatusOr<std::string> StopAndRead();

 private:
  TraceInstance() = default;
  absl::Status Write(const std::string& file, const std::string& value) const;

  std::string mount_dir_;
  bool mounted_ = false;
  std::string instance_dir_;
  std::vector<std::string> enabled_;
};

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_KERNEL_TRACE_INSTANCE_H_
