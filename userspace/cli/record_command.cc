// `submitwatch record`: attach, stream records into a capture, detach.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/commands.h"
#include "cli/live_setup.h"
#include "cli/stop_signals.h"
#include "collector/collector.h"
#include "sinks/capture/capture_writer.h"
#include "sinks/capture/output_file.h"

namespace submitwatch {
namespace {

struct RecordOptions {
  std::string output = "-";
  std::optional<absl::Duration> duration;
  absl::Duration interval = absl::Seconds(1);
  LoaderOptions loader;
  std::vector<std::string> command;
};

absl::StatusOr<RecordOptions> ParseRecordOptions(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(RecordSpec(), args);
  if (!parsed.ok()) return parsed.status();
  RecordOptions o;
  o.output = parsed->Get("output", "-");
  if (parsed->Has("duration")) {
    absl::StatusOr<absl::Duration> d = ParsePositiveDuration("duration", parsed->Get("duration"));
    if (!d.ok()) return d.status();
    o.duration = *d;
  }
  if (parsed->Has("interval")) {
    absl::StatusOr<absl::Duration> d = ParsePositiveDuration("interval", parsed->Get("interval"));
    if (!d.ok()) return d.status();
    o.interval = *d;
  }
  if (parsed->Has("ringbuf-size")) {
    absl::StatusOr<uint64_t> size = ParseByteSize("ringbuf-size", parsed->Get("ringbuf-size"));
    if (!size.ok()) return size.status();
    // The kernel wants a power-of-two multiple of the page size.
    if (*size < 4096 || (*size & (*size - 1)) != 0 || *size > (1ull << 30)) {
      return absl::InvalidArgumentError(
          "--ringbuf-size: must be a power of two between 4K and 1G (e.g. 256K, 4M)");
    }
    o.loader.ringbuf_bytes = static_cast<uint32_t>(*size);
  }
  o.loader.all_allocs = parsed->Has("all-allocs");
  o.loader.verbose = parsed->Has("verbose");
  o.command = parsed->command;
  return o;
}

// Starts the workload once everything is attached, so its first IO is seen.
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

absl::Status RecordSession(const RecordOptions& o, int* workload_exit) {
  absl::StatusOr<OutputFile> out = OutputFile::Create(o.output);
  if (!out.ok()) return out.status();
  absl::StatusOr<std::unique_ptr<LiveSetup>> live = SetUpLive(o.loader);
  if (!live.ok()) return live.status();

  CaptureWriter writer(out->fd());
  absl::Status write_status;
  const auto write = [&](const Record& r) {
    if (write_status.ok()) write_status = writer.Write(r);
  };
  if (absl::Status s = writer.Write(Record((*live)->header)); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<Collector>> collector = Collector::Create(
      *(*live)->session, {&(*live)->symbols, (*live)->cgroups.get(), &(*live)->disks}, write);
  if (!collector.ok()) return collector.status();

  std::vector<std::string> modes;
  for (const HookMode& h : (*live)->header.hooks) modes.push_back(absl::StrCat(h.hook, "=", h.mode));
  fprintf(stderr, "submitwatch: attached %d programs (%s); writing %s\n",
          (*live)->session->attached_programs(), absl::StrJoin(modes, " ").c_str(),
          o.output == "-" ? "to standard output" : o.output.c_str());

  pid_t child = -1;
  if (!o.command.empty()) {
    absl::StatusOr<pid_t> pid = StartWorkload(o.command);
    if (!pid.ok()) return pid.status();
    child = *pid;
  }

  const uint64_t start_ns = Collector::MonotonicNowNs();
  const uint64_t interval_ns = static_cast<uint64_t>(absl::ToInt64Nanoseconds(o.interval));
  const uint64_t deadline_ns =
      o.duration ? start_ns + static_cast<uint64_t>(absl::ToInt64Nanoseconds(*o.duration)) : 0;
  uint64_t next_snapshot_ns = start_ns + interval_ns;
  absl::Status status;
  while (!StopRequested() && write_status.ok()) {
    uint64_t now = Collector::MonotonicNowNs();
    if (deadline_ns != 0 && now >= deadline_ns) break;
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
      // Someone may be watching the output live (`record | jq`).
      if (write_status.ok()) write_status = writer.Flush();
    }
    if (child > 0) {
      int wait_status;
      if (waitpid(child, &wait_status, WNOHANG) == child) {
        *workload_exit = ExitCodeOf(wait_status);
        child = -1;
        break;
      }
    }
  }
  if (child > 0) {
    // Stopped early (signal, duration, error): the workload goes too.
    kill(child, SIGTERM);
    int wait_status;
    if (waitpid(child, &wait_status, 0) == child) *workload_exit = ExitCodeOf(wait_status);
  }

  // Everything the kernel produced until now goes into the capture.
  const uint64_t end_ns = Collector::MonotonicNowNs();
  if (status.ok()) {
    if (absl::StatusOr<int> n = (*collector)->Drain(); !n.ok()) status = n.status();
  }
  if (status.ok()) status = (*collector)->Snapshot(end_ns);
  CaptureSummary summary;
  summary.ts_ns = end_ns;
  summary.duration_ns = end_ns - start_ns;
  summary.events = (*collector)->events();
  summary.lost = (*collector)->lost();
  summary.workload_exit = *workload_exit;
  write(Record(summary));
  if (write_status.ok()) write_status = writer.Flush();
  if (!write_status.ok()) return write_status;
  if (!status.ok()) return status;
  if (absl::Status s = out->Commit(); !s.ok()) return s;
  if (summary.lost > 0) {
    fprintf(stderr, "submitwatch: %llu events were lost (see the capture's lost records); "
                    "a larger --ringbuf-size helps\n",
            static_cast<unsigned long long>(summary.lost));
  }
  return absl::OkStatus();
}

}  // namespace

const CommandSpec& RecordSpec() {
  static const auto* const kSpec = new CommandSpec{
      "record",
      "[-o FILE|-] [--duration D] [OPTIONS] [-- CMD [ARGS...]]",
      "Capture events into a self-contained JSON Lines file (default: standard output).",
      {
          {"output", 'o', "FILE", "write the capture to FILE (mode 0600); '-' is standard output"},
          {"duration", 'd', "D", "stop after D (e.g. 10s, 2m); default: until Ctrl-C or CMD exits"},
          {"interval", 'i', "D", "how often counters are read into the capture (default 1s)"},
          {"all-allocs", 0, "", "send every per-cpu allocation, not only those in interesting contexts"},
          {"ringbuf-size", 0, "BYTES", "kernel ring buffer size, a power of two (default 1M)"},
          {"verbose", 'v', "", "print libbpf's messages"},
          {"help", 'h', "", "show this help"},
      },
      /*takes_command=*/true,
      /*max_positional=*/0,
  };
  return *kSpec;
}

int RunRecord(const std::vector<std::string>& args) {
  absl::StatusOr<RecordOptions> options = ParseRecordOptions(args);
  if (!options.ok()) return ReportError(options.status(), "record");
  InstallStopSignals();
  int workload_exit = -1;
  absl::Status s = RecordSession(*options, &workload_exit);
  if (!s.ok()) {
    // A reader that went away (`| head`) is not an error worth a message.
    if (absl::StrContains(s.message(), "EPIPE")) return kExitOk;
    return ReportError(s, "record");
  }
  if (workload_exit > 0) {
    fprintf(stderr, "submitwatch: the workload exited with status %d\n", workload_exit);
  }
  return kExitOk;
}

}  // namespace submitwatch
