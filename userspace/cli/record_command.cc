// `submitwatch record`: attach, stream records into a capture, detach.
#include <cerrno>
#include <cstdio>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "capture/capture_writer.h"
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
  if (absl::Status s = ApplyLoaderOptions(*parsed, o.loader); !s.ok()) return s;
  o.command = parsed->command;
  return o;
}

absl::Status RecordSession(const RecordOptions& o, int* workload_exit) {
  absl::StatusOr<OutputFile> out = OutputFile::Create(o.output);
  if (!out.ok()) return out.status();
  absl::StatusOr<std::unique_ptr<LiveSetup>> live = SetUpLive(o.loader);
  if (!live.ok()) return live.status();

  CaptureWriter writer(out->fd());
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
            o.output == "-" ? "to standard output" : o.output.c_str());
  };
  LiveSink sink;
  sink.record = [&writer](const Record& r) { return writer.Write(r); };
  // Someone may be watching the output live (`record | jq`).
  sink.flush = [&writer] { return writer.Flush(); };
  absl::StatusOr<CaptureSummary> summary = RunLiveLoop(**live, loop, sink);
  if (!summary.ok()) return summary.status();
  *workload_exit = summary->workload_exit;
  if (absl::Status s = out->Commit(); !s.ok()) return s;
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
              {"output", 'o', "FILE", "write the capture to FILE (mode 0600); '-' is standard output"},
              {"duration", 'd', "D", "stop after D (e.g. 10s, 2m); default: until Ctrl-C or CMD exits"},
              {"interval", 'i', "D", "how often counters are read into the capture (default 1s)"},
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
