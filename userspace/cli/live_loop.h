// The live loop shared by record, check and demo: with everything attached
// (SetUpLive), start the workload, poll the ring buffer and read the counter
// maps every interval until Ctrl-C, the duration, the workload's exit or the
// caller says stop; then drain, take a last snapshot and sum up. Records go
// to one sink: a capture file, a model, or both.
#ifndef SUBMITWATCH_CLI_LIVE_LOOP_H_
#define SUBMITWATCH_CLI_LIVE_LOOP_H_

#include <sys/types.h>

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/live_setup.h"
#include "cli/options.h"
#include "model/records.h"

namespace submitwatch {

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
  // Once attached and the workload started, give up every capability the
  // loop no longer needs (DropCapabilitiesAfterAttach). Off for callers that
  // still need them afterwards (demo removes its cgroups and loop device).
  bool drop_capabilities = false;
};

struct LiveSink {
  // Every record: the header first, the summary last. An error ends the
  // loop (after the workload is stopped) and is what RunLiveLoop returns.
  std::function<absl::Status(const Record&)> record;
  // After each snapshot (optional): someone may be watching the output live.
  std::function<absl::Status()> flush;
};

// The summary (already given to the sink), with workload_exit set when a
// command ran. The workload never outlives this call.
absl::StatusOr<CaptureSummary> RunLiveLoop(LiveSetup& live, const LiveLoopOptions& options,
                                           const LiveSink& sink);

// The loader options every live command shares: --ringbuf-size BYTES,
// --all-allocs, --verbose (each only if the command's spec has it).
absl::Status ApplyLoaderOptions(const ParsedArgs& args, LoaderOptions& loader);

// The spec entries of the attach options record, check and top share
// (--ringbuf-size, --mode, --btf, --slab), in --help order. For a command that
// can also replay a capture (top), each help line says it applies live.
std::vector<OptionSpec> AttachOptionSpecs(bool also_replays = false);

// A command's option table from pieces: its own options around the shared ones.
std::vector<OptionSpec> JoinOptions(std::initializer_list<std::vector<OptionSpec>> parts);

// fork + exec with the signal dispositions the command would have had
// without us; exec failures exit 127 with a message.
absl::StatusOr<pid_t> StartWorkload(const std::vector<std::string>& command);
// A waitpid status as a shell shows it: the exit code, or 128 + signal.
int ExitCodeOf(int wait_status);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_LIVE_LOOP_H_
