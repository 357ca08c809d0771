// `submitwatch demo`: on a machine where nothing interesting happens, make a
// throw-away disk and two cgroups, drive IO from them, and watch it: `top` on
// a terminal, else `record`. Everything it makes goes again on every way out
// (the end, Ctrl-C, SIGTERM, an IO worker dying, an error), and a guardian
// process covers demo itself being killed.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "capture/capture_stream.h"
#include "capture/output_file.h"
#include "cli/cleanup_guardian.h"
#include "cli/commands.h"
#include "cli/io_workers.h"
#include "cli/live_loop.h"
#include "cli/live_options.h"
#include "cli/live_setup.h"
#include "cli/privileges.h"
#include "cli/scratch_cgroups.h"
#include "cli/scratch_loop_device.h"
#include "cli/stop_signals.h"
#include "cli/temp_directory.h"
#include "common/errno_text.h"
#include "model/model.h"
#include "model/names.h"
#include "model/verdict.h"
#include "sinks/report/report_text.h"

namespace submitwatch {
namespace {

constexpr uint64_t kDiskBytes = 128ull << 20;
constexpr uint64_t kThrottleBps = 1ull << 20;
constexpr absl::Duration kDefaultDuration = absl::Seconds(20);
// `top` attaches inside its own call; the workers wait this long for it so
// that each cgroup's first bio, which creates its blkg, is seen.
constexpr auto kTopAttachDelay = std::chrono::milliseconds(1500);

struct DemoOptions {
  std::optional<absl::Duration> duration;
  std::optional<std::string> output;
  absl::Duration interval = absl::Seconds(1);
  LoaderOptions loader;
};

absl::StatusOr<DemoOptions> ParseDemoOptions(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(DemoSpec(), args);
  if (!parsed.ok()) return parsed.status();
  DemoOptions o;
  if (absl::Status s = GetDuration(*parsed, "duration", &o.duration); !s.ok()) return s;
  if (absl::Status s = GetDuration(*parsed, "interval", &o.interval); !s.ok()) return s;
  if (parsed->Has("output")) o.output = parsed->Get("output");
  if (absl::Status s = ApplyLoaderOptions(*parsed, o.loader); !s.ok()) return s;
  return o;
}

std::string Str(std::string_view s) { return std::string(s); }

// What demo made: a loop device on a sparse file, cgroups in the io/blkio
// hierarchy, processes doing IO in them, and a guardian that removes them if
// demo dies without cleaning up. Each piece is RAII; they are removed in the
// one order that works: processes, then cgroups (a cgroup with a task cannot
// be removed), then the loop device (its users are gone); the guardian is
// dismissed only when all is gone.
struct DemoEnvironment {
  std::unique_ptr<ScratchLoopDevice> loop;
  std::unique_ptr<ScratchCgroups> cgroups;
  std::unique_ptr<CleanupGuardian> guardian;
  IoWorkers workers;
  std::string throttled_dir;
  std::string free_dir;
  std::string limit;  // what the throttled cgroup is limited to, or why not

  ~DemoEnvironment() {
    workers.StopAll();
    cgroups.reset();
    loop.reset();
    guardian.reset();
  }
};

absl::Status MakeEnvironment(DemoEnvironment& env) {
  absl::StatusOr<CgroupHierarchy> hierarchy = FindIoHierarchy();
  if (!hierarchy.ok()) return hierarchy.status();
  absl::StatusOr<std::unique_ptr<ScratchLoopDevice>> loop = ScratchLoopDevice::Create(kDiskBytes);
  if (!loop.ok()) return loop.status();
  env.loop = *std::move(loop);
  absl::StatusOr<std::unique_ptr<ScratchCgroups>> cgroups =
      ScratchCgroups::Create(*hierarchy, absl::StrCat("submitwatch-demo-", getpid()));
  if (!cgroups.ok()) return cgroups.status();
  env.cgroups = *std::move(cgroups);
  absl::StatusOr<std::string> throttled = env.cgroups->AddChild("throttled");
  if (!throttled.ok()) return throttled.status();
  env.throttled_dir = *throttled;
  absl::StatusOr<std::string> free = env.cgroups->AddChild("unthrottled");
  if (!free.ok()) return free.status();
  env.free_dir = *free;
  absl::StatusOr<std::unique_ptr<CleanupGuardian>> guardian = CleanupGuardian::Start(
      env.cgroups->DirsDeepestFirst(), env.loop->device(), env.loop->backing_dir());
  if (!guardian.ok()) return guardian.status();
  env.guardian = *std::move(guardian);

  if (absl::Status s = env.cgroups->LimitWriteBps(env.throttled_dir, env.loop->major(),
                                                  env.loop->minor(), kThrottleBps);
      s.ok()) {
    env.limit = absl::StrCat("writes to ", env.loop->name(), " limited to 1 MiB/s");
  } else {
    env.limit = absl::StrCat("no limit: ", s.message());
  }
  // Half the disk each. The throttled worker is paced by its limit, the
  // other by a pause, so the two do not starve a small machine.
  const uint64_t half = kDiskBytes / 2;
  if (absl::Status s = env.workers.Start(env.throttled_dir, env.loop->device(), 0, half, 0);
      !s.ok()) {
    return s;
  }
  return env.workers.Start(env.free_dir, env.loop->device(), half, half, 10);
}

std::string Guide(const DemoEnvironment& env, bool top) {
  const std::string disk = env.loop->name();
  return absl::StrCat(
      "submitwatch demo: a throw-away disk and two cgroups, with IO in each:\n"
      "  disk     ",
      env.loop->device(), " (", kDiskBytes >> 20,
      " MiB sparse file, already deleted; detached at the end)\n"
      "  cgroups  ",
      env.cgroups->PathOf(env.throttled_dir), "  (", env.limit, ")\n", "           ",
      env.cgroups->PathOf(env.free_dir), "  (no limit)\n",
      "  IO       one process in each cgroup: O_DIRECT writes and buffered writes + fdatasync\n"
      "What to look for",
      top ? "" : " in the report at the end", ":\n", "  * ", Str(names::kTitleAllocations),
      ": the unthrottled cgroup's first bio to ", disk,
      " creates its\n"
      "    blkg in the submit path (blkg_alloc, per-cpu stats, comm sw-demo-io); made with\n"
      "    GFP_NOWAIT its verdict is \"",
      Str(names::kVerdictAtomic),
      "\" (safe). (Setting the limit made the throttled cgroup's blkg\n"
      "    before any bio, outside the submit path.)\n"
      "    An \"",
      Str(names::kVerdictUnsafe),
      "\" row is the bug class this tool exists for: an allocation that can sleep\n"
      "    on IO while submitting IO.\n"
      "  * ",
      Str(names::kTitleCgroups), ": both cgroups on ", disk, " should be \"",
      Str(names::kReadyReady),
      "\": their bios are charged to\n"
      "    their own blkg. \"",
      Str(names::kReadyFallback),
      "\" would mean an ancestor's blkg was charged: own stats and limits missing.\n"
      "    The throttled cgroup's bytes grow at about its limit, the other's faster; bios\n"
      "    held by the limit are resubmitted by a worker: the \"",
      Str(names::kKthreadSuffix).substr(1),
      "\" row.\n"
      "  * ",
      Str(names::kTitleWorkqueues),
      ": loop_workfn (or loop_rootcg_workfn) runs the loop device's IO;\n"
      "    blk_throtl_dispatch_work_fn releases throttled bios.\n");
}

// `top` on a terminal: the workers start once top has had time to attach;
// --duration reaches top as the stop signal it already obeys.
int RunWithTop(const DemoOptions& o, DemoEnvironment& env) {
  std::mutex mu;
  std::condition_variable cv;
  bool top_done = false;
  std::thread timer([&] {
    std::unique_lock<std::mutex> lock(mu);
    if (cv.wait_for(lock, kTopAttachDelay, [&] { return top_done; })) return;
    env.workers.Go();
    if (!o.duration) return;
    const auto limit = std::chrono::nanoseconds(absl::ToInt64Nanoseconds(*o.duration));
    if (!cv.wait_for(lock, limit, [&] { return top_done; })) kill(getpid(), SIGTERM);
  });
  std::vector<std::string> args = {"--interval", absl::FormatDuration(o.interval)};
  const int status = RunTopKeepingPrivileges(args);
  {
    std::lock_guard<std::mutex> lock(mu);
    top_done = true;
  }
  cv.notify_all();
  timer.join();
  return status;
}

// `record` otherwise, into a model printed at the end and into a capture:
// -o FILE (FILE.partial until the end), standard output with -o -, or else
// a private temporary file that is named in $TMPDIR only when the demo ends
// well (killed, it leaves nothing). Standard output gets the report and
// where the capture is (the report goes to stderr with -o -); the guide and
// progress go to stderr.
absl::Status RunWithRecord(const DemoOptions& o, DemoEnvironment& env, bool* worker_died) {
  absl::StatusOr<OutputFile> file =
      o.output ? OutputFile::CreateStreaming(*o.output)
               : OutputFile::CreateTemporary(TempDirectory(), "submitwatch-demo");
  if (!file.ok()) return file.status();
  const bool to_stdout = file->is_stdout();
  FILE* result = to_stdout ? stderr : stdout;
  fputs(Guide(env, /*top=*/false).c_str(), stderr);

  absl::StatusOr<std::unique_ptr<LiveSetup>> live = SetUpLive(o.loader);
  if (!live.ok()) return live.status();
  const std::string where = !o.output ? "" : to_stdout ? " to standard output"
                                                        : absl::StrCat(" to ", file->current_path());
  absl::StatusOr<std::unique_ptr<CaptureStream>> capture =
      CaptureStream::Start(*std::move(file), {.no_sync = !o.output});
  if (!capture.ok()) return capture.status();
  Model model;
  LiveSink sink;
  sink.record = [&](const Record& r) {
    model.Add(r);
    return (*capture)->Write(r);
  };
  sink.after_snapshot = [&capture] { (*capture)->Flush(); };
  LiveLoopOptions loop;
  loop.duration = o.duration.value_or(kDefaultDuration);
  loop.interval = o.interval;
  loop.on_attached = [&] {
    env.workers.Go();
    fprintf(stderr,
            "submitwatch demo: recording for %s%s (Ctrl-C stops early; everything is "
            "removed either way)\n",
            absl::FormatDuration(*loop.duration).c_str(), where.c_str());
  };
  std::optional<std::string> casualty;
  loop.stop_when = [&] {
    casualty = env.workers.Casualty();
    return casualty.has_value();
  };
  absl::StatusOr<CaptureSummary> summary = RunLiveLoop(**live, loop, sink);
  if (!summary.ok()) return summary.status();
  if (absl::Status s = (*capture)->Finish(); !s.ok()) return s;
  fputs(RenderReportText(model).c_str(), result);
  if (!to_stdout) {
    const std::string& kept = (*capture)->file().path();
    fprintf(result,
            "\nThe capture is in %s; `submitwatch report %s --format perfetto -o trace.json` "
            "makes a timeline.\n",
            kept.c_str(), kept.c_str());
  }
  fflush(result);
  if (casualty) {
    fprintf(stderr, "submitwatch demo: stopped early: %s\n", casualty->c_str());
    *worker_died = true;
  }
  return absl::OkStatus();
}

}  // namespace

const CommandSpec& DemoSpec() {
  static const auto* const kSpec = new CommandSpec{
      "demo",
      "[--duration D] [-o FILE]",
      "Make a throw-away loop device and two cgroups, drive IO and watch it (then remove all).",
      JoinOptions({
          {
              {"duration", 'd', "D",
               "how long to run (default 20s without a terminal; with `top`, until you quit)"},
              {"output", 'o', "FILE",
               "record the capture to FILE (FILE.partial until the end; '-' is standard "
               "output) instead of showing `top`"},
              {"interval", 'i', "D", "how often counters are read (default 1s)"},
          },
          VerboseAndHelpSpecs(),
      }),
      /*takes_command=*/false,
      /*max_positional=*/0,
      "demo makes a 128 MiB sparse file in a private directory under $TMPDIR (deleted at once)\n"
      "on a free loop device, and cgroups <io hierarchy>/submitwatch-demo-PID/{throttled,\n"
      "unthrottled}, the first with a 1 MiB/s write limit (v1 blkio.throttle.write_bps_device,\n"
      "v2 io.max). It shows `top` when standard input and output are a terminal, else records\n"
      "for D and prints the report, keeping the capture in -o FILE, or else in a new private\n"
      "file $TMPDIR/submitwatch-demo-XXXXXX.jsonl, named only once the demo ended well.\n"
      "It removes all it made at the end, on Ctrl-C or SIGTERM, and when an IO process dies;\n"
      "if demo itself is killed, a guardian process removes it.\n\n"
      "Exit status: 0 done (also after Ctrl-C), 1 setup failed or an IO process died,\n"
      "2 usage error.\n",
  };
  return *kSpec;
}

int RunDemo(const std::vector<std::string>& args) {
  absl::StatusOr<DemoOptions> options = ParseDemoOptions(args);
  if (!options.ok()) return ReportError(options.status(), "demo");
  // Nothing is made for a user who could not watch it.
  if (absl::Status s = CheckTracingPrivileges(); !s.ok()) return ReportError(s, "demo");
  InstallStopSignals();
  const bool use_top = !options->output && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  int status = kExitOk;
  std::string made;
  {
    DemoEnvironment env;
    if (absl::Status s = MakeEnvironment(env); !s.ok()) {
      ReportError(s, "demo");
      return kExitFailure;  // env's destructor removes what was made
    }
    made =
        absl::StrCat(env.loop->device(), " and ", env.cgroups->PathOf(env.cgroups->parent_dir()));
    if (StopRequested()) {
      status = kExitOk;
    } else if (use_top) {
      fputs(Guide(env, /*top=*/true).c_str(), stdout);
      fflush(stdout);
      status = RunWithTop(*options, env);
    } else {
      bool worker_died = false;
      absl::Status s = RunWithRecord(*options, env, &worker_died);
      if (!s.ok() && ErrnoOf(s) != EPIPE) {
        ReportError(s, "demo");
        status = kExitFailure;
      }
      if (worker_died) status = kExitFailure;
    }
    fprintf(stderr, "submitwatch demo: removing %s ...\n", made.c_str());
  }
  fprintf(stderr, "submitwatch demo: removed %s\n", made.c_str());
  return status;
}

}  // namespace submitwatch
