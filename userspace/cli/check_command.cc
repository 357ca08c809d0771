// `submitwatch check`: watch while CMD runs (or for a while), or read a
// capture, and turn what was seen into a pass/fail exit status for kernel CI.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "capture/capture_reader.h"
#include "capture/capture_stream.h"
#include "capture/output_file.h"
#include "cli/commands.h"
#include "cli/live_loop.h"
#include "cli/live_options.h"
#include "cli/live_setup.h"
#include "cli/stop_signals.h"
#include "model/model.h"
#include "sinks/check/check_verdict.h"

namespace submitwatch {
namespace {

struct CheckOptions {
  std::optional<std::string> replay;
  std::optional<std::string> output;
  std::optional<absl::Duration> duration;
  absl::Duration interval = absl::Seconds(1);
  absl::Duration sync_interval = absl::Seconds(1);
  LoaderOptions loader;
  std::vector<std::string> command;
  FailOn fail_on;
};

absl::StatusOr<CheckOptions> ParseCheckOptions(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(CheckSpec(), args);
  if (!parsed.ok()) return parsed.status();
  CheckOptions o;
  absl::StatusOr<FailOn> fail_on = FailOn::Parse(parsed->GetAll("fail-on"));
  if (!fail_on.ok()) return fail_on.status();
  o.fail_on = *fail_on;
  if (parsed->Has("replay")) {
    for (const char* live_only : {"duration", "interval", "output", "sync-interval",
                                  "ringbuf-size", "bio-keys", "verbose", "mode", "slab", "btf",
                                  "user-stacks"}) {
      if (parsed->Has(live_only)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--replay evaluates a capture: --", live_only, " does not apply"));
      }
    }
    if (!parsed->command.empty()) {
      return absl::InvalidArgumentError("--replay evaluates a capture: '-- CMD' does not apply");
    }
    o.replay = parsed->Get("replay");
    return o;
  }
  if (parsed->Has("output")) o.output = parsed->Get("output");
  if (absl::Status s = GetDuration(*parsed, "duration", &o.duration); !s.ok()) return s;
  if (absl::Status s = GetDuration(*parsed, "interval", &o.interval); !s.ok()) return s;
  if (absl::Status s = GetSyncInterval(*parsed, &o.sync_interval); !s.ok()) return s;
  if (parsed->Has("sync-interval") && !o.output) {
    return absl::InvalidArgumentError("--sync-interval applies to the capture: give -o FILE");
  }
  if (absl::Status s = ApplyLoaderOptions(*parsed, o.loader); !s.ok()) return s;
  o.command = parsed->command;
  return o;
}

absl::Status FeedFromCapture(const std::string& path, Model& model) {
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(path);
  if (!reader.ok()) return reader.status();
  while (true) {
    absl::StatusOr<std::optional<Record>> record = reader->Next();
    if (!record.ok()) return record.status();
    if (!record->has_value()) break;
    model.Add(**record);
  }
  if (!reader->warning().empty()) {
    fprintf(stderr, "submitwatch: warning: %s\n", reader->warning().c_str());
  }
  return absl::OkStatus();
}

absl::Status FeedLive(const CheckOptions& o, Model& model) {
  std::optional<OutputFile> out;
  if (o.output) {
    absl::StatusOr<OutputFile> file = OutputFile::CreateStreaming(*o.output);
    if (!file.ok()) return file.status();
    out.emplace(*std::move(file));
  }
  absl::StatusOr<std::unique_ptr<LiveSetup>> live = SetUpLive(o.loader);
  if (!live.ok()) return live.status();

  std::unique_ptr<CaptureStream> capture;
  if (out) {
    absl::StatusOr<std::unique_ptr<CaptureStream>> stream =
        CaptureStream::Start(*std::move(out), {.sync_interval = o.sync_interval});
    if (!stream.ok()) return stream.status();
    capture = *std::move(stream);
  }
  LiveLoopOptions loop;
  loop.drop_capabilities = true;
  loop.duration = o.duration;
  loop.interval = o.interval;
  loop.command = o.command;
  loop.on_attached = [&] {
    std::string span = "until Ctrl-C";
    if (!o.command.empty()) {
      span = absl::StrCat("while ", o.command[0], " runs");
      if (o.duration) absl::StrAppend(&span, " (at most ", absl::FormatDuration(*o.duration), ")");
    } else if (o.duration) {
      span = absl::StrCat("for ", absl::FormatDuration(*o.duration));
    }
    fprintf(stderr, "submitwatch: attached %d programs; checking %s\n",
            (*live)->session->attached_programs(), span.c_str());
  };
  LiveSink sink;
  sink.record = [&](const Record& r) {
    model.Add(r);
    return capture ? capture->Write(r) : absl::OkStatus();
  };
  if (capture) sink.after_snapshot = [&capture] { capture->Flush(); };
  absl::StatusOr<CaptureSummary> summary = RunLiveLoop(**live, loop, sink);
  if (!summary.ok()) return summary.status();
  if (capture) return capture->Finish();
  return absl::OkStatus();
}

}  // namespace

const CommandSpec& CheckSpec() {
  static const auto* const kSpec = new CommandSpec{
      "check",
      "[--duration D] [--fail-on KINDS] [-o FILE] [--replay FILE] [-- CMD [ARGS...]]",
      "Watch while CMD runs (or for D); exit 1 on an UNSAFE allocation or failed stats (for CI).",
      JoinOptions({
          {
              {"duration", 'd', "D", "watch for D (e.g. 30s); default: until CMD exits or Ctrl-C"},
              {"fail-on", 'f', "KINDS",
               "what fails the check: unsafe, failed, fallback, pending or any; comma-separated "
               "or repeated (default: unsafe,failed)"},
              {"output", 'o', "FILE",
               "also keep the capture in FILE (mode 0600; FILE.partial until the end)"},
              {"replay", 'r', "FILE", "evaluate a capture instead of the live system (no root needed)"},
              {"interval", 'i', "D", "how often counters are read (default 1s)"},
              SyncIntervalSpec(),
          },
          AttachOptionSpecs(),
          VerboseAndHelpSpecs(),
      }),
      /*takes_command=*/true,
      /*max_positional=*/0,
      absl::StrCat(
          "Kinds: unsafe (an UNSAFE allocation in the submit path), failed (a cgroup/disk pair\n"
          "whose allocation failed), fallback (bios charged to an ancestor's blkg), pending\n"
          "(own blkg never ready), any (all of them).\n\n"
          "Exit status:\n",
          "  ", kCheckExitClean,
          "  nothing matched --fail-on (the table may still list findings)\n", "  ",
          kCheckExitFindings, "  a finding matched --fail-on\n", "  ", kCheckExitSetup,
          "  usage or setup error (privileges, BPF, unreadable capture)\n", "  ",
          kCheckExitWorkload,
          "  CMD failed: exited non-zero or was killed (also when --duration ended it),\n"
          "     and nothing matched --fail-on\n"),
  };
  return *kSpec;
}

int RunCheck(const std::vector<std::string>& args) {
  absl::StatusOr<CheckOptions> options = ParseCheckOptions(args);
  if (!options.ok()) {
    ReportError(options.status(), "check");
    return kCheckExitSetup;
  }
  Model model;
  absl::Status status;
  if (options->replay) {
    status = FeedFromCapture(*options->replay, model);
  } else {
    InstallStopSignals();
    status = FeedLive(*options, model);
  }
  if (!status.ok()) {
    // Exit 1 means "a finding": every error that prevents a verdict is 2.
    ReportError(status, "check");
    return kCheckExitSetup;
  }
  const CheckResult result = EvaluateCheck(model, options->fail_on);
  fputs(RenderCheckText(result).c_str(), stdout);
  fflush(stdout);
  if (result.lost > 0) {
    fprintf(stderr,
            "submitwatch: warning: %llu events were lost; the verdict may miss allocations "
            "(a larger --ringbuf-size helps)\n",
            static_cast<unsigned long long>(result.lost));
  }
  if (result.workload_failed()) {
    fprintf(stderr, "submitwatch: the workload failed: exit status %d\n", result.workload_exit);
  }
  return CheckExitCode(result);
}

}  // namespace submitwatch
