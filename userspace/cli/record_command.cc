// `submitwatch record`: attach, stream records into a capture, detach.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "capture/capture_stream.h"
#include "capture/output_file.h"
#include "cli/commands.h"
#include "cli/live_loop.h"
#include "cli/live_options.h"
#include "cli/live_setup.h"
#include "cli/stop_signals.h"
#include "common/errno_text.h"

namespace submitwatch {
namespace {

struct RecordOptions {
  std::string output = "-";
  std::optional<absl::Duration> duration;
  absl::Duration interval = absl::Seconds(1);
  absl::Duration sync_interval = absl::Seconds(1);
  LoaderOptions loader;
  std::vector<std::string> command;
};

absl::StatusOr<RecordOptions> ParseRecordOptions(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(RecordSpec(), args);
  if (!parsed.ok()) return parsed.status();
  RecordOptions o;
  o.output = parsed->Get("output", "-");
  if (absl::Status s = GetDuration(*parsed, "duration", &o.duration); !s.ok()) return s;
  if (absl::Status s = GetDuration(*parsed, "interval", &o.interval); !s.ok()) return s;
  if (absl::Status s = GetSyncInterval(*parsed, &o.sync_interval); !s.ok()) return s;
  if (absl::Status s = ApplyLoaderOptions(*parsed, o.loader); !s.ok()) return s;
  o.command = parsed->command;
  return o;
}

// What the writer thread did, for --verbose (and bench/, which reads it).
void PrintWriterStats(const CaptureStream::Stats& st) {
  fprintf(stderr,
          "submitwatch: capture writer: %llu bytes in %llu writes; %llu fdatasync, mean %.3f ms, "
          "max %.3f ms; writer thread CPU %.1f ms in %.1f s\n",
          static_cast<unsigned long long>(st.bytes), static_cast<unsigned long long>(st.writes),
          static_cast<unsigned long long>(st.syncs),
          st.syncs == 0 ? 0.0 : static_cast<double>(st.sync_ns_total) / st.syncs / 1e6,
          static_cast<double>(st.sync_ns_max) / 1e6, static_cast<double>(st.thread_cpu_ns) / 1e6,
          static_cast<double>(st.thread_wall_ns) / 1e9);
}

absl::Status RecordSession(const RecordOptions& o, int* workload_exit) {
  absl::StatusOr<OutputFile> out = OutputFile::CreateStreaming(o.output);
  if (!out.ok()) return out.status();
  absl::StatusOr<std::unique_ptr<LiveSetup>> live = SetUpLive(o.loader);
  if (!live.ok()) return live.status();
  const std::string writing = out->is_stdout() ? "to standard output" : out->current_path();
  absl::StatusOr<std::unique_ptr<CaptureStream>> stream =
      CaptureStream::Start(*std::move(out), {.sync_interval = o.sync_interval});
  if (!stream.ok()) return stream.status();

  LiveLoopOptions loop;
  loop.drop_capabilities = true;
  loop.duration = o.duration;
  loop.interval = o.interval;
  loop.command = o.command;
  loop.on_attached = [&] {
    std::vector<std::string> modes;
    for (const HookMode& h : (*live)->header.hooks) {
      modes.push_back(absl::StrCat(h.hook, "=", h.mode));
    }
    fprintf(stderr, "submitwatch: attached %d programs (%s); writing %s\n",
            (*live)->session->attached_programs(), absl::StrJoin(modes, " ").c_str(),
            writing.c_str());
  };
  LiveSink sink;
  sink.record = [&stream](const Record& r) { return (*stream)->Write(r); };
  sink.after_snapshot = [&stream] { (*stream)->Flush(); };
  absl::StatusOr<CaptureSummary> summary = RunLiveLoop(**live, loop, sink);
  absl::Status finished = summary.ok() ? (*stream)->Finish() : absl::OkStatus();
  if (o.loader.verbose && summary.ok()) PrintWriterStats((*stream)->stats());
  if (!summary.ok() || !finished.ok()) {
    const std::string kept = (*stream)->file().current_path();
    const bool partial = kept != (*stream)->file().path();
    stream->reset();  // what was written stays under FILE.partial
    if (partial && access(kept.c_str(), F_OK) == 0) {
      fprintf(stderr, "submitwatch: what was captured is in %s\n", kept.c_str());
    }
    return summary.ok() ? finished : summary.status();
  }
  *workload_exit = summary->workload_exit;
  if (summary->lost > 0) {
    fprintf(stderr, "submitwatch: %llu events were lost (see the capture's lost records); "
                    "a larger --ringbuf-size helps\n",
            static_cast<unsigned long long>(summary->lost));
  }
  return absl::OkStatus();
}

}  // namespace

const CommandSpec& RecordSpec() {
  static const auto* const kSpec = new CommandSpec{
      "record",
      "[-o FILE|-] [--duration D] [OPTIONS] [-- CMD [ARGS...]]",
      "Capture events into a self-contained JSON Lines file (default: standard output).",
      JoinOptions({
          {
              {"output", 'o', "FILE",
               "write the capture to FILE (mode 0600): FILE.partial while recording, renamed to "
               "FILE at the end; '-' is standard output"},
              {"duration", 'd', "D", "stop after D (e.g. 10s, 2m); default: until Ctrl-C or CMD exits"},
              {"interval", 'i', "D", "how often counters are read into the capture (default 1s)"},
              SyncIntervalSpec(),
              {"all-allocs", 0, "", "send every per-cpu allocation, not only those in interesting contexts"},
          },
          AttachOptionSpecs(),
          VerboseAndHelpSpecs(),
      }),
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
    if (ErrnoOf(s) == EPIPE) return kExitOk;
    return ReportError(s, "record");
  }
  if (workload_exit > 0) {
    fprintf(stderr, "submitwatch: the workload exited with status %d\n", workload_exit);
  }
  return kExitOk;
}

}  // namespace submitwatch
