// `submitwatch top`: the interactive view, live or replaying a capture.
//
// Two threads. The feed thread owns the model: live, it polls the ring
// buffer and snapshots the counter maps every --interval (as `record` does);
// in replay, it feeds the capture's records at their recorded pace. After
// each interval it publishes a frame (the model's tables, copied). The main
// thread runs the UI and only ever takes the latest frame under a lock held
// for a pointer copy, so a slow terminal cannot delay event consumption.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <thread>
#include <type_traits>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "capture/capture_reader.h"
#include "cli/commands.h"
#include "cli/live_loop.h"
#include "cli/live_options.h"
#include "cli/live_setup.h"
#include "cli/memory_pressure.h"
#include "cli/privileges.h"
#include "cli/stop_signals.h"
#include "collector/collector.h"
#include "model/model.h"
#include "model/names.h"
#include "sinks/tui/frame_builder.h"
#include "sinks/tui/frame_exchange.h"
#include "sinks/tui/replay_pacer.h"
#include "sinks/tui/terminal.h"
#include "sinks/tui/tui_app.h"

namespace submitwatch {
namespace {

// The feed thread's longest wait: how soon it notices a stop or a clear.
constexpr int kFeedWaitMs = 50;
constexpr double kMaxSpeed = 1e6;

struct TopOptions {
  absl::Duration interval = absl::Seconds(1);
  std::string replay;  // empty: live
  double speed = 1;
  LoaderOptions loader;
  // Live: give up what is not needed once attached (see privileges.h); not
  // when demo runs top, as demo removes its disk and cgroups afterwards.
  bool drop_capabilities = true;
};

absl::StatusOr<double> ParseSpeed(const std::string& text) {
  double speed;
  if (!absl::SimpleAtod(text, &speed) || !std::isfinite(speed) || speed < 0 ||
      speed > kMaxSpeed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--speed: '", text, "' is not a speed (e.g. 1, 0.5, 10; 0 = as fast as possible)"));
  }
  return speed;
}

absl::StatusOr<TopOptions> ParseTopOptions(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(TopSpec(), args);
  if (!parsed.ok()) return parsed.status();
  TopOptions o;
  if (absl::Status s = GetDuration(*parsed, "interval", &o.interval); !s.ok()) return s;
  o.replay = parsed->Get("replay");
  if (parsed->Has("replay") && o.replay.empty()) {
    return absl::InvalidArgumentError("--replay: needs a capture file");
  }
  if (parsed->Has("speed")) {
    if (o.replay.empty()) return absl::InvalidArgumentError("--speed applies to --replay only");
    absl::StatusOr<double> speed = ParseSpeed(parsed->Get("speed"));
    if (!speed.ok()) return speed.status();
    o.speed = *speed;
  }
  for (const char* live_only : {"all-allocs", "ringbuf-size", "bio-keys", "mode", "slab", "btf",
                                "user-stacks"}) {
    if (parsed->Has(live_only) && !o.replay.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", live_only, " applies to live mode only, not to --replay"));
    }
  }
  if (absl::Status s = ApplyLoaderOptions(*parsed, o.loader); !s.ok()) return s;
  return o;
}

uint64_t SteadyNowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

uint64_t NsOf(absl::Duration d) { return static_cast<uint64_t>(absl::ToInt64Nanoseconds(d)); }

// The UI thread must be the one that signals wake: its key wait then ends
// at once, and ncurses turns SIGWINCH into KEY_RESIZE there. A thread started
// inside this scope never takes them.
class UiSignalsOnly {
 public:
  UiSignalsOnly() {
    sigset_t block;
    sigemptyset(&block);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP, SIGCONT}) sigaddset(&block, sig);
    pthread_sigmask(SIG_BLOCK, &block, &saved_);
  }
  ~UiSignalsOnly() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  UiSignalsOnly(const UiSignalsOnly&) = delete;
  UiSignalsOnly& operator=(const UiSignalsOnly&) = delete;

 private:
  sigset_t saved_;
};

// The kernel-side cost of the session's programs between two reads.
class BpfCostMeter {
 public:
  BpfCostMeter(const BpfSession& session, absl::Status enabled)
      : session_(session), enabled_(std::move(enabled)) {}

  void Update(uint64_t now_ns, tui::FeedStatus& status) {
    status.bpf_cost.reset();
    if (!enabled_.ok()) {
      status.bpf_cost_note = absl::StrCat("unavailable (", enabled_.message(), ")");
      return;
    }
    absl::StatusOr<std::vector<ProgramStats>> stats = session_.ReadProgramStats();
    if (!stats.ok()) {
      status.bpf_cost_note = absl::StrCat("unavailable (", stats.status().message(), ")");
      return;
    }
    uint64_t run_time_ns = 0, runs = 0;
    for (const ProgramStats& p : *stats) {
      run_time_ns += p.run_time_ns;
      runs += p.run_count;
    }
    if (prev_now_ns_ != 0 && now_ns > prev_now_ns_ && run_time_ns >= prev_run_time_ns_ &&
        runs >= prev_runs_) {
      tui::BpfCost cost;
      cost.events = runs - prev_runs_;
      const double spent = static_cast<double>(run_time_ns - prev_run_time_ns_);
      cost.ns_per_event = cost.events == 0 ? 0 : spent / static_cast<double>(cost.events);
      cost.cpu_share = spent / static_cast<double>(now_ns - prev_now_ns_);
      status.bpf_cost = cost;
    } else {
      status.bpf_cost_note = "measuring";
    }
    prev_now_ns_ = now_ns;
    prev_run_time_ns_ = run_time_ns;
    prev_runs_ = runs;
  }

 private:
  const BpfSession& session_;
  absl::Status enabled_;
  uint64_t prev_now_ns_ = 0;
  uint64_t prev_run_time_ns_ = 0;
  uint64_t prev_runs_ = 0;
};

// The feed thread of live mode: the live loop's turns, into the model, with
// a frame after each snapshot.
void FeedLive(Collector& collector, Model& model, uint64_t start_ns, absl::Duration interval,
              BpfCostMeter& meter, tui::FrameExchange& exchange) {
  tui::FrameBuilder builder;
  tui::FeedStatus status;
  status.live = true;
  status.bpf_cost_note = "measuring";
  const auto publish = [&](uint64_t now_ns) {
    status.events = collector.events();
    exchange.Publish(builder.Build(model, now_ns, start_ns, status));
  };
  LiveTurns turns;
  turns.interval = interval;
  turns.snapshot_at_start = true;
  turns.stop_when = [&] { return exchange.stop_requested(); };
  turns.each_turn = [&] {
    if (!exchange.TakeClearRequest()) return;
    model.Clear();
    builder.Reset();
    publish(Collector::MonotonicNowNs());
  };
  turns.after_snapshot = [&](uint64_t now_ns) {
    meter.Update(now_ns, status);
    publish(now_ns);
    return absl::OkStatus();
  };
  if (absl::Status s = RunLiveTurns(collector, turns); !s.ok()) exchange.Fail(s);
}

uint64_t TsOf(const Record& record) {
  return std::visit(
      [](const auto& r) -> uint64_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(r)>, CaptureHeader>) {
          return 0;
        } else {
          return r.ts_ns;
        }
      },
      record);
}

// The header has room for the message, not the file's name again.
std::string WithoutPath(absl::string_view message, const std::string& path) {
  absl::ConsumePrefix(&message, path);
  absl::ConsumePrefix(&message, ": ");
  return std::string(message);
}

struct ReplayOutcome {
  absl::Status error;   // a malformed line after the header
  std::string warning;  // a cut-off capture, unknown record types
};

// The feed thread of replay: records at their recorded pace (scaled by
// --speed), then the last state stays, marked "end of capture".
ReplayOutcome FeedReplay(CaptureReader& reader, const TopOptions& o,
                         tui::FrameExchange& exchange) {
  ReplayOutcome outcome;
  Model model;
  tui::FrameBuilder builder;
  tui::ReplayPacer pacer(o.speed);
  tui::FeedStatus status;
  status.speed = o.speed;
  status.source = o.replay;
  status.bpf_cost_note = std::string(names::kBpfCostReplay);
  const uint64_t interval_ns = NsOf(o.interval);
  const auto publish = [&](uint64_t wall_ns) {
    status.events = model.counts().allocs;
    const uint64_t position = pacer.Position(wall_ns);
    // The session started when recording did, which may be before the
    // first record.
    const uint64_t header_start = model.header() ? model.header()->start_monotonic_ns : 0;
    const uint64_t start =
        header_start != 0 && header_start <= pacer.first_ts_ns() ? header_start
                                                                 : pacer.first_ts_ns();
    exchange.Publish(builder.Build(model, position, start, status));
  };

  std::optional<Record> pending;
  bool ended = false;
  uint64_t next_publish_ns = SteadyNowNs();
  while (!exchange.stop_requested()) {
    uint64_t wall = SteadyNowNs();
    if (exchange.TakeClearRequest()) {
      model.Clear();
      builder.Reset();
      publish(wall);
      next_publish_ns = wall + interval_ns;
    }
    if (ended) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kFeedWaitMs));
      continue;
    }
    if (!pending) {
      absl::StatusOr<std::optional<Record>> next = reader.Next();
      if (!next.ok() || !next->has_value()) {
        ended = true;
        pacer.End();
        status.end_of_capture = true;
        if (!next.ok()) {
          outcome.error = next.status();
          status.note = WithoutPath(next.status().message(), o.replay);
        } else {
          outcome.warning = reader.warning();
          status.note = WithoutPath(outcome.warning, o.replay);
        }
        publish(wall);
        continue;
      }
      pending = std::move(**next);
    }
    const uint64_t due = pacer.DueAt(TsOf(*pending), wall);
    if (due > wall) {
      if (wall >= next_publish_ns) {
        publish(wall);
        next_publish_ns = wall + interval_ns;
      }
      const uint64_t wait_ns =
          std::min({due - wall, next_publish_ns - std::min(next_publish_ns, wall),
                    uint64_t{kFeedWaitMs} * 1'000'000});
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::max<uint64_t>(wait_ns, 1'000'000)));
      continue;
    }
    pacer.Fed(TsOf(*pending));
    model.Add(*pending);
    pending.reset();
    if (wall >= next_publish_ns) {
      publish(wall);
      next_publish_ns = wall + interval_ns;
    }
  }
  return outcome;
}

// Runs the UI on this thread while `feed` runs on its own; returns once the
// user quit or a stop signal came, with the terminal restored and the feed
// thread joined.
template <typename Feed>
absl::Status RunWithFeed(tui::Terminal& terminal, tui::FrameExchange& exchange, Feed feed) {
  std::thread feeder;
  {
    UiSignalsOnly signals_to_ui;
    feeder = std::thread(std::move(feed));
  }
  tui::RunTui(terminal, exchange, &StopRequested);
  exchange.RequestStop();
  terminal.Close();
  feeder.join();
  return exchange.failed() ? exchange.error() : absl::OkStatus();
}

absl::Status TopReplay(const TopOptions& o) {
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(o.replay);
  if (!reader.ok()) return reader.status();
  absl::StatusOr<std::unique_ptr<tui::Terminal>> terminal = tui::Terminal::Open();
  if (!terminal.ok()) return terminal.status();
  tui::FrameExchange exchange;
  ReplayOutcome outcome;
  absl::Status s = RunWithFeed(**terminal, exchange,
                               [&] { outcome = FeedReplay(*reader, o, exchange); });
  if (!s.ok()) return s;
  if (!outcome.warning.empty()) {
    fprintf(stderr, "submitwatch: warning: %s\n", outcome.warning.c_str());
  }
  return outcome.error;
}

absl::Status TopLive(const TopOptions& o) {
  absl::StatusOr<std::unique_ptr<LiveSetup>> live = SetUpLive(o.loader);
  if (!live.ok()) return live.status();
  LiveSetup& setup = **live;
  // Declared before the collector: it must outlive the collector's sink.
  Model model;
  model.Add(setup.header);
  absl::StatusOr<std::unique_ptr<Collector>> collector = Collector::Create(
      *setup.session,
      {&setup.symbols, setup.cgroups.get(), &setup.disks, setup.user_symbols.get()},
      [&model](const Record& r) { model.Add(r); });
  if (!collector.ok()) return collector.status();
  // Enabled only while the session lives (BPF_ENABLE_STATS is fd-scoped).
  BpfCostMeter meter(*setup.session, setup.session->EnableRunTimeStats());
  // Before the drop, which takes what it needs; said before the screen
  // is taken over, so it is there after quitting.
  const PressureSetup pressure = PrepareForPressure(setup.user_symbols == nullptr);
  if (!pressure.warning.empty()) {
    fprintf(stderr, "submitwatch: warning: %s\n", pressure.warning.c_str());
  }
  if (o.drop_capabilities) {
    if (absl::Status s = DropCapabilitiesAfterAttach(
            {.ptrace = setup.user_symbols != nullptr, .ipc_lock = pressure.keep_ipc_lock});
        !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<std::unique_ptr<tui::Terminal>> terminal = tui::Terminal::Open();
  if (!terminal.ok()) return terminal.status();
  tui::FrameExchange exchange;
  // Returning destroys the collector, then the session: the links detach.
  return RunWithFeed(**terminal, exchange, [&] {
    FeedLive(**collector, model, setup.header.start_monotonic_ns, o.interval, meter, exchange);
  });
}

}  // namespace

const CommandSpec& TopSpec() {
  static const auto* const kSpec = new CommandSpec{
      "top",
      "[--interval D] [--replay FILE [--speed X]] [OPTIONS]",
      "Interactive view: cgroup stats readiness, submit-path allocations, workqueues "
      "(live, or a capture with --replay).",
      JoinOptions({
          {
              {"interval", 'i', "D", "refresh every D (e.g. 500ms, 2s; default 1s)"},
              {"replay", 'r', "FILE",
               "show a capture made by `record` instead of the live kernel (no privileges needed)"},
              {"speed", 0, "X",
               "replay at X times the recorded pace (default 1); 0 loads everything at once"},
              {"all-allocs", 0, "",
               "trace every per-cpu allocation, not only those in interesting contexts (live)"},
          },
          AttachOptionSpecs(/*also_replays=*/true),
          VerboseAndHelpSpecs("print libbpf's messages (before the view starts)"),
      }),
      /*takes_command=*/false,
      /*max_positional=*/0,
      "Keys: Tab/Shift-Tab or 1/2/3 switch pane; arrows, PgUp/PgDn, Home/End move; Enter\n"
      "opens a row's details (an allocation's kernel stacks); s cycles the sort column;\n"
      "/ filters by cgroup path or comm; p pauses; c clears counters; ? helps; q quits.\n"
      "Live mode needs root (or CAP_BPF and CAP_PERFMON); --replay needs no privileges.\n"
      "Exit status: 0 on quit, 1 on an error, 2 on a usage error or when standard\n"
      "output is not a terminal (use `submitwatch record` there).\n",
  };
  return *kSpec;
}

namespace {

int RunTopWith(const std::vector<std::string>& args, bool drop_capabilities) {
  absl::StatusOr<TopOptions> options = ParseTopOptions(args);
  if (!options.ok()) return ReportError(options.status(), "top");
  options->drop_capabilities = drop_capabilities;
  if (absl::Status s = tui::Terminal::CheckUsable(); !s.ok()) return ReportError(s, "top");
  InstallStopSignals();
  absl::Status s = options->replay.empty() ? TopLive(*options) : TopReplay(*options);
  if (!s.ok()) return ReportError(s, "top");
  return kExitOk;
}

}  // namespace

int RunTop(const std::vector<std::string>& args) {
  return RunTopWith(args, /*drop_capabilities=*/true);
}

int RunTopKeepingPrivileges(const std::vector<std::string>& args) {
  return RunTopWith(args, /*drop_capabilities=*/false);
}

}  // namespace submitwatch
