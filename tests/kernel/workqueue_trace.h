// The referee of the workqueue programs: the kernel's own workqueue:*
// trace events, as tracefs prints them, turned into what the tool counts
// per work function (queued, executed, queue -> start latency, run time).
// Pure text in, numbers out, so the parser is unit tested without a kernel.
#ifndef SUBMITWATCH_TESTS_KERNEL_WORKQUEUE_TRACE_H_
#define SUBMITWATCH_TESTS_KERNEL_WORKQUEUE_TRACE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace submitwatch::testing {

struct TracedWorkFunction {
  uint64_t queued = 0;
  uint64_t executed = 0;
  // Queue -> execute_start of the same work item, each start paired with the
  // last queue of its item before it that no start took yet.
  uint64_t latencies = 0;
  uint64_t latency_sum_ns = 0;
  uint64_t latency_max_ns = 0;
  // execute_start -> execute_end of the same item.
  uint64_t runtimes = 0;
  uint64_t runtime_sum_ns = 0;
};

// By function name. Only events with from_ns <= timestamp <= to_ns count;
// timestamps are the trace clock's (tracefs prints microseconds).
// Lines that are not workqueue events are skipped.
std::map<std::string, TracedWorkFunction> ParseWorkqueueTrace(absl::string_view text,
                                                               uint64_t from_ns, uint64_t to_ns);

// The timestamp of the first line written to trace_marker with exactly
// `marker`, or nullopt.
std::optional<uint64_t> MarkerTimeNs(absl::string_view text, absl::string_view marker);

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_KERNEL_WORKQUEUE_TRACE_H_
