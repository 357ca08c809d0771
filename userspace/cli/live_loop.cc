#include "cli/live_loop.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/memory_pressure.h"
#include "cli/privileges.h"
#include "cli/stop_signals.h"
#include "cli/workload.h"

namespace submitwatch {
namespace {

// The longest a turn waits: how soon the loop notices a stop.
constexpr uint64_t kTurnNs = 100'000'000;

uint64_t NsOf(absl::Duration d) { return static_cast<uint64_t>(absl::ToInt64Nanoseconds(d)); }

}  // namespace

absl::Status RunLiveTurns(Collector& collector, const LiveTurns& turns) {
  const uint64_t start_ns = Collector::MonotonicNowNs();
  const uint64_t interval_ns = NsOf(turns.interval);
  const uint64_t deadline_ns = turns.duration ? start_ns + NsOf(*turns.duration) : 0;
  uint64_t next_snapshot_ns = turns.snapshot_at_start ? start_ns : start_ns + interval_ns;
  while (!StopRequested()) {
    uint64_t now = Collector::MonotonicNowNs();
    if (deadline_ns != 0 && now >= deadline_ns) break;
    if (turns.stop_when && turns.stop_when()) break;
    if (turns.each_turn) turns.each_turn();
    // Woken for the next snapshot or the deadline, whichever comes first.
    uint64_t wait_ns = std::min(kTurnNs, next_snapshot_ns - std::min(next_snapshot_ns, now));
    if (deadline_ns != 0) wait_ns = std::min(wait_ns, deadline_ns - now);
    const int timeout_ms = static_cast<int>(wait_ns / 1'000'000 + (wait_ns > 0 ? 1 : 0));
    // Poll also consumes what arrived without a wakeup, so rows appear
    // within one turn and the ring never fills while a sink is slow.
    if (absl::StatusOr<int> n = collector.Poll(timeout_ms); !n.ok()) return n.status();
    now = Collector::MonotonicNowNs();
    if (now >= next_snapshot_ns) {
      if (absl::Status s = collector.Snapshot(now); !s.ok()) return s;
      next_snapshot_ns = now + interval_ns;
      if (turns.after_snapshot) {
        if (absl::Status s = turns.after_snapshot(now); !s.ok()) return s;
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CaptureSummary> RunLiveLoop(LiveSetup& live, const LiveLoopOptions& o,
                                           const LiveSink& sink) {
  absl::Status sink_status;
  const auto emit = [&](const Record& r) {
    if (sink_status.ok()) sink_status = sink.record(r);
  };
  emit(Record(live.header));
  if (!sink_status.ok()) return sink_status;
  absl::StatusOr<std::unique_ptr<Collector>> collector =
      Collector::Create(*live.session,
                        {&live.symbols, live.cgroups.get(), &live.disks, live.user_symbols.get()},
                        emit);
  if (!collector.ok()) return collector.status();
  if (o.on_attached) o.on_attached();

  Workload workload;
  if (!o.command.empty()) {
    absl::StatusOr<Workload> started = Workload::Start(o.command);
    if (!started.ok()) return started.status();
    workload = *std::move(started);
  }
  // After the workload's fork (it inherits neither), before the drop (it
  // takes capabilities the drop removes).
  const PressureSetup pressure = PrepareForPressure(live.user_symbols == nullptr);
  if (!pressure.warning.empty()) {
    fprintf(stderr, "submitwatch: warning: %s\n", pressure.warning.c_str());
  }
  if (o.drop_capabilities) {
    if (absl::Status s = DropCapabilitiesAfterAttach(
            {.ptrace = live.user_symbols != nullptr, .ipc_lock = pressure.keep_ipc_lock});
        !s.ok()) {
      return s;
    }
  }

  const uint64_t start_ns = Collector::MonotonicNowNs();
  LiveTurns turns;
  turns.interval = o.interval;
  turns.duration = o.duration;
  turns.stop_when = [&] {
    return !sink_status.ok() || workload.Exited() || (o.stop_when && o.stop_when());
  };
  turns.after_snapshot = [&](uint64_t) {
    if (sink.after_snapshot) sink.after_snapshot();
    return absl::OkStatus();
  };
  absl::Status status = RunLiveTurns(**collector, turns);
  CaptureSummary summary;
  // Stopped early (signal, duration, error): the workload goes too.
  summary.workload_exit = workload.Stop();

  // Detached first, so the last drain and snapshot see everything the
  // programs produced, and the counts of runs, events and losses agree.
  live.session->Detach();
  (*collector)->ProgramsDetached();
  const uint64_t end_ns = Collector::MonotonicNowNs();
  if (status.ok()) {
    if (absl::StatusOr<int> n = (*collector)->Drain(); !n.ok()) status = n.status();
  }
  if (status.ok()) status = (*collector)->Snapshot(end_ns);
  summary.ts_ns = end_ns;
  summary.duration_ns = end_ns - start_ns;
  summary.events = (*collector)->events();
  summary.lost = (*collector)->lost();
  summary.evicted = (*collector)->evicted();
  summary.peak_map_entries = (*collector)->peak_entries();
  if (absl::StatusOr<std::vector<ProgramStats>> stats = live.session->ReadProgramStats();
      stats.ok()) {
    for (const ProgramStats& p : *stats) {
      if (p.run_count > 0) summary.program_runs[p.program] = p.run_count;
    }
  }
  emit(Record(summary));
  if (!sink_status.ok()) return sink_status;
  if (!status.ok()) return status;
  return summary;
}

}  // namespace submitwatch
