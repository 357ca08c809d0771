#include "cli/live_loop.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "cli/stop_signals.h"
#include "cli/privileges.h"
#include "collector/collector.h"
#include "loader/attach_mode.h"

namespace submitwatch {

absl::Status ApplyLoaderOptions(const ParsedArgs& args, LoaderOptions& loader) {
  if (args.Has("ringbuf-size")) {
    absl::StatusOr<uint64_t> size = ParseByteSize("ringbuf-size", args.Get("ringbuf-size"));
    if (!size.ok()) return size.status();
    // The kernel wants a power-of-two multiple of the page size.
    if (*size < 4096 || (*size & (*size - 1)) != 0 || *size > (1ull << 30)) {
      return absl::InvalidArgumentError(
          "--ringbuf-size: must be a power of two between 4K and 1G (e.g. 256K, 4M)");
    }
    loader.ringbuf_bytes = static_cast<uint32_t>(*size);
  }
  loader.all_allocs = args.Has("all-allocs");
  loader.verbose = args.Has("verbose");
  absl::StatusOr<std::optional<AttachMode>> mode = ParseAttachMode(args.Get("mode"));
  if (!mode.ok()) return mode.status();
  loader.mode = *mode;
  loader.slab = args.Has("slab");
  loader.btf_path = args.Get("btf");
  return absl::OkStatus();
}

std::vector<OptionSpec> AttachOptionSpecs(bool also_replays) {
  // Every help text ends in a parenthesis, where "; live" goes.
  const auto scoped = [&](std::string help) {
    if (also_replays) help.insert(help.size() - 1, "; live");
    return help;
  };
  return {
      {"ringbuf-size", 0, "BYTES", scoped("kernel ring buffer size, a power of two (default 1M)")},
      {"mode", 'm', "MODE",
       scoped("attach the function hooks with MODE: fentry, kprobe or tracepoint; fails if it "
              "cannot (default: the best this host allows)")},
      {"btf", 0, "FILE",
       scoped("read kernel types from FILE instead of /sys/kernel/btf/vmlinux (a vmlinux or "
              "raw BTF)")},
      {"slab", 0, "",
       scoped("also trace slab and page allocations in the submit path (fentry/kprobe only)")},
  };
}

std::vector<OptionSpec> JoinOptions(std::initializer_list<std::vector<OptionSpec>> parts) {
  std::vector<OptionSpec> all;
  for (const std::vector<OptionSpec>& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

absl::StatusOr<pid_t> StartWorkload(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (pid == 0) {
    RestoreDefaultSignals();
    execvp(argv[0], argv.data());
    fprintf(stderr, "submitwatch: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  return pid;
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
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
      Collector::Create(*live.session, {&live.symbols, live.cgroups.get(), &live.disks}, emit);
  if (!collector.ok()) return collector.status();
  if (o.on_attached) o.on_attached();

  CaptureSummary summary;
  pid_t child = -1;
  if (!o.command.empty()) {
    absl::StatusOr<pid_t> pid = StartWorkload(o.command);
    if (!pid.ok()) return pid.status();
    child = *pid;
  }
  if (o.drop_capabilities) {
    if (absl::Status s = DropCapabilitiesAfterAttach(); !s.ok()) {
      if (child > 0) {
        kill(child, SIGTERM);
        waitpid(child, nullptr, 0);
      }
      return s;
    }
  }

  const uint64_t start_ns = Collector::MonotonicNowNs();
  const uint64_t interval_ns = static_cast<uint64_t>(absl::ToInt64Nanoseconds(o.interval));
  const uint64_t deadline_ns =
      o.duration ? start_ns + static_cast<uint64_t>(absl::ToInt64Nanoseconds(*o.duration)) : 0;
  uint64_t next_snapshot_ns = start_ns + interval_ns;
  absl::Status status;
  while (!StopRequested() && sink_status.ok()) {
    uint64_t now = Collector::MonotonicNowNs();
    if (deadline_ns != 0 && now >= deadline_ns) break;
    if (o.stop_when && o.stop_when()) break;
    int timeout_ms = 100;
    if (deadline_ns != 0) {
      timeout_ms = static_cast<int>(std::min<uint64_t>(100, (deadline_ns - now) / 1'000'000 + 1));
    }
    if (absl::StatusOr<int> n = (*collector)->Poll(timeout_ms); !n.ok()) {
      status = n.status();
      break;
    }
    now = Collector::MonotonicNowNs();
    if (now >= next_snapshot_ns) {
      if (status = (*collector)->Snapshot(now); !status.ok()) break;
      next_snapshot_ns = now + interval_ns;
      if (sink.flush && sink_status.ok()) sink_status = sink.flush();
    }
    if (child > 0) {
      int wait_status;
      if (waitpid(child, &wait_status, WNOHANG) == child) {
        summary.workload_exit = ExitCodeOf(wait_status);
        child = -1;
        break;
      }
    }
  }
  if (child > 0) {
    // Stopped early (signal, duration, error): the workload goes too.
    kill(child, SIGTERM);
    int wait_status;
    if (waitpid(child, &wait_status, 0) == child) summary.workload_exit = ExitCodeOf(wait_status);
  }

  // Detached first, so the last drain and snapshot see everything the
  // programs produced, and the counts of runs, events and losses agree.
  live.session->Detach();
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
  if (sink.flush && sink_status.ok()) sink_status = sink.flush();
  if (!sink_status.ok()) return sink_status;
  if (!status.ok()) return status;
  return summary;
}

}  // namespace submitwatch
