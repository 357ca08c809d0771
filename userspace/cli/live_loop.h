// The live loop shared by record, check, demo and top: with everything
// attached (SetUpLive), poll the ring buffer and read the counter maps every
// interval until Ctrl-C, the duration, the workload's exit or the caller says
// stop. RunLiveLoop also starts the workload, then drains, takes a last
// snapshot and sums up; records go to one sink: a capture file, a model, or
// both. top keeps its own collector and runs the turns alone.
#ifndef SUBMITWATCH_CLI_LIVE_LOOP_H_
#define SUBMITWATCH_CLI_LIVE_LOOP_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/live_setup.h"
#include "collector/collector.h"
#include "model/records.h"

namespace submitwatch {

// How the loop turns.
struct LiveTurns {
  absl::Duration interval = absl::Seconds(1);
  std::optional<absl::Duration> duration;  // none: until stopped
  // The first snapshot at once instead of after one interval (top: a first
  // frame without waiting).
  bool snapshot_at_start = false;
  // Asked every turn (about every 100 ms); true ends the loop.
  std::function<bool()> stop_when;
  // Every turn, before the ring buffer is polled (top: a clear the user
  // asked for).
  std::function<void()> each_turn;
  // After each snapshot, with its time; an error ends the loop.
  std::function<absl::Status(uint64_t now_ns)> after_snapshot;
};

// Polls and snapshots `collector` until a stop signal, the duration or
// stop_when; returns the first error of the collector or after_snapshot.
absl::Status RunLiveTurns(Collector& collector, const LiveTurns& turns);

struct LiveLoopOptions {
  std::optional<absl::Duration> duration;  // none: until stopped
  absl::Duration interval = absl::Seconds(1);
  // `-- CMD ARGS...`, started once the collector is ready so its first IO is
  // seen; its exit ends the loop. Stopped early, it gets SIGTERM.
  std::vector<std::string> command;
  // Called once the collector is ready, before the workload starts.
  std::function<void()> on_attached;
  // Asked about every 100 ms; true ends the loop (demo: its IO children died).
  std::function<bool()> stop_when;
  // Once attached and the workload started, lock memory and raise priority
  // (PrepareForPressure), then give up every capability the loop no longer
  // needs (DropCapabilitiesAfterAttach). Off for callers that still need
  // them afterwards (demo removes its cgroups and loop device).
  bool drop_capabilities = false;
};

struct LiveSink {
  // Every record: the header first, the summary last. An error ends the
  // loop (after the workload is stopped) and is what RunLiveLoop returns.
  // Called on the polling thread for every event: it must not block
  // (CaptureStream writes on a thread of its own).
  std::function<absl::Status(const Record&)> record;
  // After each snapshot's records (optional): the capture is written out
  // and synced now (CaptureStream::Flush), must not block either.
  std::function<void()> after_snapshot;
};

// The summary (already given to the sink), with workload_exit set when a
// command ran. The workload never outlives this call.
absl::StatusOr<CaptureSummary> RunLiveLoop(LiveSetup& live, const LiveLoopOptions& options,
                                           const LiveSink& sink);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_LIVE_LOOP_H_
