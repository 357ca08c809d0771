#include "sinks/export/metrics_exposition.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "absl/strings/string_view.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "capture/json_writer.h"
#include "model/names.h"

namespace submitwatch {
namespace {

// The names of names.h and the model are std::string_view; Debian's Abseil
// has a string_view of its own.
absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

constexpr absl::string_view kPrometheusTextType = "text/plain; version=0.0.4; charset=utf-8";
constexpr absl::string_view kOpenMetricsType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

enum class Type { kCounter, kGauge, kHistogram, kInfo, kStateSet };

// A metric family. `name` is the OpenMetrics family name: counters' samples
// add "_total" and infos' "_info" (the Prometheus text format names the
// family after its samples). A family with a unit ends with "_<unit>".
struct Family {
  absl::string_view name;
  Type type;
  absl::string_view unit;
  absl::string_view help;
};

constexpr Family kBuild = {"submitwatch_build", Type::kInfo, "",
                           "Version of submitwatch and release of the kernel it watches"};
constexpr Family kHook = {
    "submitwatch_hook", Type::kInfo, "",
    "Attach mode of each hook: fentry, kprobe, tracepoint or unavailable (submitwatch probe)"};
constexpr Family kSnapshotTime = {
    "submitwatch_last_snapshot_timestamp_seconds", Type::kGauge, "seconds",
    "When the counters shown were read from the kernel, as Unix time"};
constexpr Family kEvents = {"submitwatch_events", Type::kCounter, "",
                            "Events received from the kernel's ring buffer"};
constexpr Family kLost = {"submitwatch_lost_events", Type::kCounter, "",
                          "Events the kernel or the tool could not deliver, by reason"};
constexpr Family kBpfRunTime = {
    "submitwatch_bpf_run_time_seconds", Type::kCounter, "seconds",
    "CPU time spent in each of the tool's BPF programs (kernel BPF run-time statistics)"};
constexpr Family kBpfRuns = {"submitwatch_bpf_runs", Type::kCounter, "",
                             "Runs of each of the tool's BPF programs"};
constexpr Family kCgroupBios = {
    "submitwatch_cgroup_bios", Type::kCounter, "",
    "Bios the cgroup submitted to the disk, wherever they were charged"};
constexpr Family kCgroupBytes = {
    "submitwatch_cgroup_bytes", Type::kCounter, "bytes",
    "Bytes the cgroup submitted to the disk, wherever they were charged"};
constexpr Family kCgroupElsewhereBios = {
    "submitwatch_cgroup_elsewhere_bios", Type::kCounter, "",
    "Bios of the cgroup charged to an ancestor's blkg: missing from its own stats and limits"};
constexpr Family kCgroupElsewhereBytes = {
    "submitwatch_cgroup_elsewhere_bytes", Type::kCounter, "bytes",
    "Bytes of the cgroup charged to an ancestor's blkg: missing from its own stats and limits"};
constexpr Family kCgroupReadiness = {
    "submitwatch_cgroup_readiness", Type::kStateSet, "",
    "Stats readiness of the (cgroup, disk) pairs of the series: 1 for each state one is in"};
constexpr Family kCgroupTimeToReady = {
    "submitwatch_cgroup_time_to_ready_seconds", Type::kGauge, "seconds",
    "Time from the first bio to ready stats, the longest of the series' ready pairs"};
constexpr Family kAllocs = {
    "submitwatch_allocations", Type::kCounter, "",
    "Allocations seen per call site, allocator and verdict (outside: not in the submit path)"};
constexpr Family kAllocFailures = {"submitwatch_allocation_failures", Type::kCounter, "",
                                   "Allocations that failed, per call site, allocator and verdict"};
constexpr Family kAllocBytes = {
    "submitwatch_allocation_bytes", Type::kCounter, "bytes",
    "Bytes allocated (all CPUs for per-cpu memory), per call site, allocator and verdict"};
constexpr Family kWqQueued = {"submitwatch_workqueue_queued", Type::kCounter, "",
                              "Work items queued, per work function"};
constexpr Family kWqExecuted = {"submitwatch_workqueue_executed", Type::kCounter, "",
                                "Work items that started executing, per work function"};
constexpr Family kWqLatency = {"submitwatch_workqueue_latency_seconds", Type::kHistogram,
                               "seconds", "Time from queueing a work item to its start"};
constexpr Family kWqRuntime = {"submitwatch_workqueue_runtime_seconds", Type::kHistogram,
                               "seconds", "Run time of a work item"};

constexpr const Family* kFamilies[] = {
    &kBuild,         &kHook,          &kSnapshotTime,       &kEvents,
    &kLost,          &kBpfRunTime,    &kBpfRuns,            &kCgroupBios,
    &kCgroupBytes,   &kCgroupElsewhereBios, &kCgroupElsewhereBytes, &kCgroupReadiness,
    &kCgroupTimeToReady, &kAllocs,    &kAllocFailures,      &kAllocBytes,
    &kWqQueued,      &kWqExecuted,    &kWqLatency,          &kWqRuntime,
};

absl::string_view TypeName(Type type, ExpositionFormat format) {
  const bool om = format == ExpositionFormat::kOpenMetrics;
  switch (type) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
    case Type::kInfo: return om ? "info" : "gauge";
    case Type::kStateSet: return om ? "stateset" : "gauge";
  }
  return "unknown";
}

// The name the samples of a family carry (histograms add their suffixes).
std::string SampleName(const Family& f) {
  if (f.type == Type::kCounter) return absl::StrCat(f.name, "_total");
  if (f.type == Type::kInfo) return absl::StrCat(f.name, "_info");
  return std::string(f.name);
}

// Shortest text that reads back as the same double, as Prometheus' own
// clients print floats ("2e-09", "0.5", "1099.511627776").
std::string FloatText(double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

// Whole seconds and the rest apart, so that a Unix time keeps its fraction.
std::string SecondsText(uint64_t ns) {
  return FloatText(static_cast<double>(ns / 1'000'000'000) +
                   static_cast<double>(ns % 1'000'000'000) / 1e9);
}

class Writer {
 public:
  Writer(ExpositionFormat format, std::string* out) : format_(format), out_(*out) {}

  void Begin(const Family& f) {
    const std::string metadata_name =
        format_ == ExpositionFormat::kOpenMetrics ? std::string(f.name) : SampleName(f);
    absl::StrAppend(&out_, "# HELP ", metadata_name, " ", f.help, ".\n");
    absl::StrAppend(&out_, "# TYPE ", metadata_name, " ", TypeName(f.type, format_), "\n");
    if (format_ == ExpositionFormat::kOpenMetrics && !f.unit.empty()) {
      absl::StrAppend(&out_, "# UNIT ", metadata_name, " ", f.unit, "\n");
    }
  }

  // `labels` is a ready list ("a=\"x\",b=\"y\""); `extra` one more, or empty.
  void Sample(absl::string_view name, absl::string_view labels, absl::string_view extra,
              absl::string_view value) {
    out_.append(name.data(), name.size());
    if (!labels.empty() || !extra.empty()) {
      out_.push_back('{');
      out_.append(labels.data(), labels.size());
      if (!labels.empty() && !extra.empty()) out_.push_back(',');
      out_.append(extra.data(), extra.size());
      out_.push_back('}');
    }
    out_.push_back(' ');
    out_.append(value.data(), value.size());
    out_.push_back('\n');
  }
  void Sample(absl::string_view name, absl::string_view labels, uint64_t value) {
    Sample(name, labels, "", absl::StrCat(value));
  }

  // A histogram from the kernel's log2 buckets: bucket i counts values in
  // [2^i, 2^(i+1)) ns, so its bound is le = 2^(i+1) ns; the last bucket also
  // counts everything above, so it has only +Inf.
  void Histogram(const Family& f, absl::string_view labels, const std::vector<uint64_t>& log2,
                 uint64_t sum_ns) {
    const std::string bucket = absl::StrCat(f.name, "_bucket");
    uint64_t cumulative = 0;
    for (size_t i = 0; i + 1 < log2.size(); ++i) {
      cumulative += log2[i];
      Sample(bucket, labels,
             absl::StrCat("le=\"", SecondsText(uint64_t{2} << i), "\""),
             absl::StrCat(cumulative));
    }
    if (!log2.empty()) cumulative += log2.back();
    Sample(bucket, labels, "le=\"+Inf\"", absl::StrCat(cumulative));
    Sample(absl::StrCat(f.name, "_count"), labels, cumulative);
    Sample(absl::StrCat(f.name, "_sum"), labels, "", SecondsText(sum_ns));
  }

  void End() {
    if (format_ == ExpositionFormat::kOpenMetrics) out_.append("# EOF\n");
  }

 private:
  ExpositionFormat format_;
  std::string& out_;
};

std::string Label(absl::string_view name, absl::string_view value) {
  return absl::StrCat(name, "=\"", EscapeLabelValue({value.data(), value.size()}), "\"");
}

std::string CgroupLabels(const CgroupSeries& s) {
  return absl::StrCat(Label("cgroup", s.cgroup), ",", Label("disk", s.disk), ",",
                      Label("submitter", s.kthread ? "kernel_thread" : "task"));
}

std::string AllocLabels(const AllocSeries& a) {
  return absl::StrCat(Label("site", a.site), ",", Label("allocator", Absl(AllocatorName(a.allocator))),
                      ",", Label("verdict", Absl(VerdictName(a.verdict))));
}

void WriteTool(const MetricsSnapshot& s, Writer& w) {
  w.Begin(kBuild);
  w.Sample(SampleName(kBuild),
           absl::StrCat(Label("version", s.version), ",", Label("kernel", s.kernel)), 1);
  w.Begin(kHook);
  for (const HookMode& h : s.hooks) {
    w.Sample(SampleName(kHook), absl::StrCat(Label("hook", h.hook), ",", Label("mode", h.mode)),
             1);
  }
  w.Begin(kSnapshotTime);
  if (s.snapshot_unix_ns > 0) {
    w.Sample(SampleName(kSnapshotTime), "", "",
             SecondsText(static_cast<uint64_t>(s.snapshot_unix_ns)));
  }
  w.Begin(kEvents);
  w.Sample(SampleName(kEvents), "", s.events);
  w.Begin(kLost);
  for (const auto& [reason, n] : s.lost) w.Sample(SampleName(kLost), Label("reason", reason), n);
  if (s.bpf_programs) {
    w.Begin(kBpfRunTime);
    for (const BpfProgramCost& p : *s.bpf_programs) {
      w.Sample(SampleName(kBpfRunTime), Label("program", p.program), "",
               SecondsText(p.run_time_ns));
    }
    w.Begin(kBpfRuns);
    for (const BpfProgramCost& p : *s.bpf_programs) {
      w.Sample(SampleName(kBpfRuns), Label("program", p.program), p.runs);
    }
  }
}

void WriteCgroups(const MetricsSnapshot& s, Writer& w) {
  std::vector<std::string> labels;
  labels.reserve(s.cgroups.size());
  for (const CgroupSeries& c : s.cgroups) labels.push_back(CgroupLabels(c));
  const auto counter = [&](const Family& f, uint64_t CgroupSeries::*field) {
    w.Begin(f);
    const std::string name = SampleName(f);
    for (size_t i = 0; i < s.cgroups.size(); ++i) w.Sample(name, labels[i], s.cgroups[i].*field);
  };
  counter(kCgroupBios, &CgroupSeries::bios);
  counter(kCgroupBytes, &CgroupSeries::bytes);
  counter(kCgroupElsewhereBios, &CgroupSeries::elsewhere_bios);
  counter(kCgroupElsewhereBytes, &CgroupSeries::elsewhere_bytes);

  w.Begin(kCgroupReadiness);
  // OpenMetrics names a state set's label after the family; the Prometheus
  // text format keeps the same label so that queries work on both.
  for (size_t i = 0; i < s.cgroups.size(); ++i) {
    for (size_t k = 0; k < kReadinessStates.size(); ++k) {
      w.Sample(kCgroupReadiness.name, labels[i],
               Label(kCgroupReadiness.name, Absl(ReadinessName(kReadinessStates[k]))),
               s.cgroups[i].states[k] ? "1" : "0");
    }
  }
  w.Begin(kCgroupTimeToReady);
  for (size_t i = 0; i < s.cgroups.size(); ++i) {
    if (s.cgroups[i].time_to_ready_ns) {
      w.Sample(kCgroupTimeToReady.name, labels[i], "", SecondsText(*s.cgroups[i].time_to_ready_ns));
    }
  }
}

void WriteAllocs(const MetricsSnapshot& s, Writer& w) {
  std::vector<std::string> labels;
  labels.reserve(s.allocs.size());
  for (const AllocSeries& a : s.allocs) labels.push_back(AllocLabels(a));
  const auto counter = [&](const Family& f, uint64_t AllocSeries::*field) {
    w.Begin(f);
    const std::string name = SampleName(f);
    for (size_t i = 0; i < s.allocs.size(); ++i) w.Sample(name, labels[i], s.allocs[i].*field);
  };
  counter(kAllocs, &AllocSeries::count);
  counter(kAllocFailures, &AllocSeries::failed);
  counter(kAllocBytes, &AllocSeries::bytes);
}

void WriteWorkqueues(const MetricsSnapshot& s, Writer& w) {
  std::vector<const WqRow*> rows;
  rows.reserve(s.workqueues.size());
  for (const WqRow& r : s.workqueues) rows.push_back(&r);
  // By name: the model lists the busiest first, which changes between scrapes.
  std::sort(rows.begin(), rows.end(),
            [](const WqRow* a, const WqRow* b) { return a->function < b->function; });
  std::vector<std::string> labels;
  labels.reserve(rows.size());
  for (const WqRow* r : rows) labels.push_back(Label("function", r->function));
  w.Begin(kWqQueued);
  for (size_t i = 0; i < rows.size(); ++i) w.Sample(SampleName(kWqQueued), labels[i], rows[i]->queued);
  w.Begin(kWqExecuted);
  for (size_t i = 0; i < rows.size(); ++i) {
    w.Sample(SampleName(kWqExecuted), labels[i], rows[i]->executed);
  }
  w.Begin(kWqLatency);
  for (size_t i = 0; i < rows.size(); ++i) {
    w.Histogram(kWqLatency, labels[i], rows[i]->latency_log2, rows[i]->latency_sum_ns);
  }
  w.Begin(kWqRuntime);
  for (size_t i = 0; i < rows.size(); ++i) {
    w.Histogram(kWqRuntime, labels[i], rows[i]->runtime_log2, rows[i]->runtime_sum_ns);
  }
}

// One media range of an Accept header.
struct MediaRange {
  std::string type;  // lower case, "text/plain"
  std::string version;
  double q = 1;
};

MediaRange ParseMediaRange(absl::string_view text) {
  MediaRange range;
  bool first = true;
  for (absl::string_view part : absl::StrSplit(text, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (first) {
      range.type = absl::AsciiStrToLower(part);
      first = false;
      continue;
    }
    const size_t eq = part.find('=');
    if (eq == absl::string_view::npos) continue;
    const std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(part.substr(0, eq)));
    absl::string_view value = absl::StripAsciiWhitespace(part.substr(eq + 1));
    absl::ConsumePrefix(&value, "\"");
    absl::ConsumeSuffix(&value, "\"");
    if (key == "version") range.version = std::string(value);
    if (key == "q") {
      double q = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
      range.q = ec == std::errc() && end == value.data() + value.size() ? q : 0;
    }
  }
  return range;
}

std::optional<ExpositionFormat> FormatOf(const MediaRange& range) {
  if (range.type == "application/openmetrics-text") {
    // 0.0.1 was the draft Prometheus 2.x also asks for; 1.0.0 is a superset.
    if (range.version.empty() || range.version == "1.0.0" || range.version == "0.0.1") {
      return ExpositionFormat::kOpenMetrics;
    }
    return std::nullopt;
  }
  if (range.type == "text/plain") {
    if (range.version.empty() || range.version == "0.0.4") return ExpositionFormat::kPrometheusText;
    return std::nullopt;
  }
  if (range.type == "text/*" || range.type == "*/*") return ExpositionFormat::kPrometheusText;
  return std::nullopt;
}

}  // namespace

ExpositionFormat NegotiateExposition(std::string_view accept_header) {
  const absl::string_view accept(accept_header.data(), accept_header.size());
  std::optional<ExpositionFormat> best;
  double best_q = 0;
  for (absl::string_view item : absl::StrSplit(accept, ',', absl::SkipWhitespace())) {
    const MediaRange range = ParseMediaRange(item);
    const std::optional<ExpositionFormat> format = FormatOf(range);
    if (!format || range.q <= 0 || range.q <= best_q) continue;
    best = format;
    best_q = range.q;
  }
  return best.value_or(ExpositionFormat::kPrometheusText);
}

std::string_view ExpositionContentType(ExpositionFormat format) {
  const absl::string_view type =
      format == ExpositionFormat::kOpenMetrics ? kOpenMetricsType : kPrometheusTextType;
  return {type.data(), type.size()};
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size();) {
    const char c = value[i];
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '"') {
      out.append("\\\"");
    } else if (c == '\n') {
      out.append("\\n");
    } else if (static_cast<unsigned char>(c) < 0x80) {
      out.push_back(c);
    } else if (const size_t n = Utf8SequenceLength(value, i); n > 0) {
      out.append(value.data() + i, n);
      i += n;
      continue;
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD
    }
    ++i;
  }
  return out;
}

std::string RenderMetrics(const MetricsSnapshot& snapshot, ExpositionFormat format) {
  std::string out;
  // About 120 bytes a sample; histograms have 42 samples per function.
  out.reserve(4096 + 120 * (snapshot.cgroups.size() * 8 + snapshot.allocs.size() * 3 +
                            snapshot.workqueues.size() * 90));
  Writer w(format, &out);
  WriteTool(snapshot, w);
  WriteCgroups(snapshot, w);
  WriteAllocs(snapshot, w);
  WriteWorkqueues(snapshot, w);
  w.End();
  return out;
}

std::vector<std::string> MetricFamilyNames() {
  std::vector<std::string> names;
  for (const Family* f : kFamilies) names.push_back(SampleName(*f));
  return names;
}

}  // namespace submitwatch
