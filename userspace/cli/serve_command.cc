// `submitwatch serve`: a Prometheus/OpenMetrics exporter over the same
// collector and model as `top`.
//
// Two threads, as in top. This one owns the collector and the model: it
// polls the ring buffer, reads the counter maps every --interval, and after
// each snapshot publishes the series (the model's tables, folded and copied)
// as one immutable snapshot. libmicrohttpd's thread answers each scrape from
// the latest published snapshot, taken under a lock held for a pointer copy,
// and renders it there: a slow or stalled scraper never delays event
// consumption, and a scrape never sees a half-updated model.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cli/commands.h"
#include "cli/live_loop.h"
#include "cli/live_options.h"
#include "cli/live_setup.h"
#include "cli/privileges.h"
#include "cli/stop_signals.h"
#include "collector/collector.h"
#include "model/model.h"
#include "sinks/export/metric_series.h"
#include "sinks/export/metrics_exchange.h"
#include "sinks/http/metrics_server.h"

namespace submitwatch {
namespace {

// The default port: in Prometheus' exporter range (9100-9999), where every
// number is taken by some exporter; --listen picks another.
constexpr absl::string_view kDefaultListen = "127.0.0.1:9867";
// Deeper than any real hierarchy; --cgroup-depth beyond it is a typo.
constexpr int kMaxCgroupDepth = 64;

struct ServeOptions {
  ListenAddress listen;
  absl::Duration interval = absl::Seconds(1);
  int cgroup_depth = kUnlimitedCgroupDepth;
  LoaderOptions loader;
};

absl::StatusOr<ServeOptions> ParseServeOptions(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(ServeSpec(), args);
  if (!parsed.ok()) return parsed.status();
  ServeOptions o;
  absl::StatusOr<ListenAddress> listen =
      ParseListenAddress(parsed->Get("listen", std::string(kDefaultListen)));
  if (!listen.ok()) return listen.status();
  o.listen = *std::move(listen);
  if (absl::Status s = GetDuration(*parsed, "interval", &o.interval); !s.ok()) return s;
  if (parsed->Has("cgroup-depth")) {
    const std::string text = parsed->Get("cgroup-depth");
    if (!absl::SimpleAtoi(text, &o.cgroup_depth) || o.cgroup_depth < 0 ||
        o.cgroup_depth > kMaxCgroupDepth) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--cgroup-depth: '", text, "' is not a depth from 0 (everything under /) to ",
          kMaxCgroupDepth));
    }
  }
  if (absl::Status s = ApplyLoaderOptions(*parsed, o.loader); !s.ok()) return s;
  return o;
}

std::optional<std::vector<BpfProgramCost>> ProgramCosts(const BpfSession& session,
                                                        const absl::Status& stats_enabled) {
  if (!stats_enabled.ok()) return std::nullopt;
  absl::StatusOr<std::vector<ProgramStats>> stats = session.ReadProgramStats();
  if (!stats.ok()) return std::nullopt;
  std::vector<BpfProgramCost> costs;
  costs.reserve(stats->size());
  for (const ProgramStats& p : *stats) costs.push_back({p.program, p.run_time_ns, p.run_count});
  return costs;
}

absl::Status Serve(const ServeOptions& o) {
  absl::StatusOr<std::unique_ptr<LiveSetup>> live = SetUpLive(o.loader);
  if (!live.ok()) return live.status();
  LiveSetup& setup = **live;
  // Declared before the collector: they must outlive its callbacks.
  Model model;
  model.Add(setup.header);
  absl::flat_hash_set<uint64_t> forgotten;
  absl::StatusOr<std::unique_ptr<Collector>> collector = Collector::Create(
      *setup.session, {&setup.symbols, setup.cgroups.get(), &setup.disks},
      [&model](const Record& r) { model.Add(r); });
  if (!collector.ok()) return collector.status();
  (*collector)->OnCgroupForgotten([&forgotten](uint64_t cgroup_id) { forgotten.insert(cgroup_id); });
  // Enabled only while the session lives (BPF_ENABLE_STATS is fd-scoped).
  const absl::Status stats_enabled = setup.session->EnableRunTimeStats();
  if (!stats_enabled.ok()) {
    fprintf(stderr, "submitwatch: warning: no BPF cost metrics: %s\n",
            std::string(stats_enabled.message()).c_str());
  }

  MetricsSnapshot tool;
  tool.version = setup.header.tool_version;
  tool.kernel = setup.header.kernel;
  tool.hooks = setup.header.hooks;
  MetricsExchange exchange;
  exchange.Publish(tool);

  // Bound before the capabilities go: a port below 1024 needs one.
  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start(o.listen, [&exchange](std::string_view accept) {
        MetricsExchange::Scrape scrape = exchange.Render(accept);
        return MetricsServer::Response{std::move(scrape.content_type), std::move(scrape.body)};
      });
  if (!server.ok()) return server.status();
  if (absl::Status s = DropCapabilitiesAfterAttach(); !s.ok()) return s;
  fprintf(stderr, "submitwatch: serving http://%s/metrics%s (Ctrl-C stops)\n",
          (*server)->bound().ToString().c_str(),
          o.listen.loopback ? "" : " beyond this host");

  MetricSeries series(o.cgroup_depth);
  const CaptureHeader& header = setup.header;
  LiveTurns turns;
  turns.interval = o.interval;
  turns.snapshot_at_start = true;
  turns.after_snapshot = [&](uint64_t now_ns) {
    if (!forgotten.empty()) {
      series.Retire(model.ForgetCgroups(forgotten));
      forgotten.clear();
    }
    MetricsSnapshot now = tool;
    now.events = (*collector)->events();
    now.bpf_programs = ProgramCosts(*setup.session, stats_enabled);
    now.snapshot_unix_ns =
        header.start_unix_ns + static_cast<int64_t>(now_ns - header.start_monotonic_ns);
    exchange.Publish(series.Snapshot(model, std::move(now)));
    return absl::OkStatus();
  };
  absl::Status status = RunLiveTurns(**collector, turns);
  // The server goes first: nothing reads the snapshots or the session after.
  server->reset();
  return status;
}

}  // namespace

// The attach options but --user-stacks: metrics carry no stacks (a label
// per stack would be unbounded), so serve would load libbcc for nothing.
std::vector<OptionSpec> ServeAttachOptionSpecs() {
  std::vector<OptionSpec> specs = AttachOptionSpecs();
  std::erase_if(specs, [](const OptionSpec& spec) { return spec.name == "user-stacks"; });
  return specs;
}

const CommandSpec& ServeSpec() {
  static const auto* const kSpec = new CommandSpec{
      "serve",
      "[--listen ADDR:PORT] [--interval D] [--cgroup-depth N] [OPTIONS]",
      "Prometheus/OpenMetrics exporter: the same tables as top, on /metrics over HTTP.",
      JoinOptions({
          {
              {"listen", 'l', "ADDR:PORT",
               absl::StrCat("listen there (default ", kDefaultListen,
                            ": this host only); another host can scrape only when an address "
                            "beyond loopback is written out, e.g. 0.0.0.0:9867 or [::]:9867")},
              {"interval", 'i', "D",
               "read the kernel's counters every D (e.g. 500ms, 5s; default 1s)"},
              {"cgroup-depth", 0, "N",
               "label a cgroup's series with its ancestor N levels below the root, summing "
               "deeper cgroups into it (default: every cgroup its own series)"},
              {"all-allocs", 0, "",
               "trace every per-cpu allocation, not only those in interesting contexts"},
          },
          ServeAttachOptionSpecs(),
          VerboseAndHelpSpecs(),
      }),
      /*takes_command=*/false,
      /*max_positional=*/0,
      "Serves GET /metrics in the OpenMetrics text format 1.0.0 when the Accept header asks\n"
      "for it, else in the Prometheus text format 0.0.4; `man submitwatch` lists the metrics.\n"
      "Series of a removed cgroup disappear 10s after its removal. Needs root with\n"
      "CAP_BPF, CAP_PERFMON, CAP_SYSLOG and CAP_SETPCAP (CAP_SYS_ADMIN for the BPF cost\n"
      "metrics); keeps only CAP_BPF, CAP_PERFMON, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH\n"
      "once listening.\n"
      "Runs until SIGINT, SIGTERM or SIGHUP. Exit status: 0 when stopped, 1 on an error,\n"
      "2 on a usage error.\n",
  };
  return *kSpec;
}

int RunServe(const std::vector<std::string>& args) {
  absl::StatusOr<ServeOptions> options = ParseServeOptions(args);
  if (!options.ok()) return ReportError(options.status(), "serve");
  InstallStopSignals();
  if (absl::Status s = Serve(*options); !s.ok()) return ReportError(s, "serve");
  return kExitOk;
}

}  // namespace submitwatch
