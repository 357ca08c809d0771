#include "sinks/export/metrics_exposition.h"

#include "sinks/export/metrics_exchange.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace submitwatch {
namespace {

// What Prometheus 2.42 sends when it scrapes.
constexpr char kPrometheusAccept[] =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

TEST(NegotiateExpositionTest, PicksTheAcceptableRangeWithTheHighestQ) {
  EXPECT_EQ(NegotiateExposition(kPrometheusAccept), ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(NegotiateExposition("application/openmetrics-text; version=1.0.0"),
            ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(NegotiateExposition("application/openmetrics-text"), ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(NegotiateExposition("text/plain;version=0.0.4"), ExpositionFormat::kPrometheusText);
  EXPECT_EQ(NegotiateExposition(
                "application/openmetrics-text;version=1.0.0;q=0.4,text/plain;version=0.0.4;q=0.9"),
            ExpositionFormat::kPrometheusText);
  EXPECT_EQ(NegotiateExposition("text/plain;q=0.2, Application/OpenMetrics-Text;q=0.3"),
            ExpositionFormat::kOpenMetrics);
  // Equal q: the first listed.
  EXPECT_EQ(NegotiateExposition("text/plain, application/openmetrics-text"),
            ExpositionFormat::kPrometheusText);
}

TEST(NegotiateExpositionTest, FallsBackToThePrometheusTextFormat) {
  EXPECT_EQ(NegotiateExposition(""), ExpositionFormat::kPrometheusText);
  EXPECT_EQ(NegotiateExposition("*/*"), ExpositionFormat::kPrometheusText);
  EXPECT_EQ(NegotiateExposition("application/json"), ExpositionFormat::kPrometheusText);
  // A version this exporter does not write, or q=0, is not acceptable.
  EXPECT_EQ(NegotiateExposition("application/openmetrics-text;version=2.0.0"),
            ExpositionFormat::kPrometheusText);
  EXPECT_EQ(NegotiateExposition("application/openmetrics-text;q=0"),
            ExpositionFormat::kPrometheusText);
  EXPECT_EQ(NegotiateExposition("application/openmetrics-text;q=nonsense,text/plain;q=0.1"),
            ExpositionFormat::kPrometheusText);
}

TEST(ExpositionContentTypeTest, NamesFormatVersionAndCharset) {
  EXPECT_EQ(ExpositionContentType(ExpositionFormat::kOpenMetrics),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_EQ(ExpositionContentType(ExpositionFormat::kPrometheusText),
            "text/plain; version=0.0.4; charset=utf-8");
}

TEST(EscapeLabelValueTest, EscapesBackslashQuoteAndNewline) {
  EXPECT_EQ(EscapeLabelValue("plain /a/b.slice"), "plain /a/b.slice");
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(EscapeLabelValue("tab\tcr\r"), "tab\tcr\r");  // valid as they are
}

TEST(EscapeLabelValueTest, ReplacesWhatIsNotUtf8) {
  EXPECT_EQ(EscapeLabelValue("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");
  EXPECT_EQ(EscapeLabelValue("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  // A cut-off sequence: each stray byte becomes one U+FFFD.
  EXPECT_EQ(EscapeLabelValue("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  // Overlong '/' and a UTF-16 surrogate are not UTF-8 either.
  EXPECT_EQ(EscapeLabelValue("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(EscapeLabelValue("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

WqRow Workqueue(std::string function) {
  WqRow row;
  row.function = std::move(function);
  row.queued = 7;
  row.executed = 6;
  row.latency_log2.assign(40, 0);
  row.latency_log2[0] = 1;   // [0, 2) ns
  row.latency_log2[2] = 2;   // [4, 8) ns
  row.latency_log2[39] = 1;  // 2^39 ns and above
  row.latency_sum_ns = 1'000'000'000'123;
  row.runtime_log2.assign(40, 0);
  row.runtime_log2[10] = 6;
  row.runtime_sum_ns = 7000;
  return row;
}

MetricsSnapshot OneOfEach() {
  MetricsSnapshot s;
  s.version = "0.1.0";
  s.kernel = "6.18.0";
  s.hooks = {{"percpu_alloc", "tracepoint", ""}, {"submit_path", "fentry", ""}};
  CgroupSeries c;
  c.cgroup = "/vm-1";
  c.disk = "loop0";
  c.bios = 256;
  c.bytes = 1048576;
  c.elsewhere_bios = 1;
  c.elsewhere_bytes = 4096;
  c.states = {true, false, true, false};
  c.time_to_ready_ns = 1'500'000;
  s.cgroups.push_back(c);
  s.allocs.push_back({"blkg_alloc", Allocator::kPercpu, Verdict::kUnsafe, 3, 1, 1440});
  s.workqueues.push_back(Workqueue("loop_workfn"));
  s.lost = {{"alloc", 0}, {"malformed", 2}};
  s.bpf_programs = std::vector<BpfProgramCost>{{"sw_bio_queue", 2'500'000'000, 1000}};
  s.events = 42;
  s.snapshot_unix_ns = 1'700'000'000'250'000'000;
  return s;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

bool HasLine(const std::string& text, const std::string& line) {
  for (const std::string& l : Lines(text)) {
    if (l == line) return true;
  }
  return false;
}

TEST(RenderMetricsTest, OpenMetricsNamesFamiliesWithoutSuffixesAndEndsWithEof) {
  const std::string text = RenderMetrics(OneOfEach(), ExpositionFormat::kOpenMetrics);
  ASSERT_TRUE(absl::EndsWith(text, "\n# EOF\n")) << text;
  for (const char* line : {
           "# TYPE submitwatch_build info",
           "submitwatch_build_info{version=\"0.1.0\",kernel=\"6.18.0\"} 1",
           "# TYPE submitwatch_hook info",
           "submitwatch_hook_info{hook=\"submit_path\",mode=\"fentry\"} 1",
           "# TYPE submitwatch_last_snapshot_timestamp_seconds gauge",
           "# UNIT submitwatch_last_snapshot_timestamp_seconds seconds",
           "submitwatch_last_snapshot_timestamp_seconds 1700000000.25",
           "# TYPE submitwatch_events counter",
           "submitwatch_events_total 42",
           "submitwatch_lost_events_total{reason=\"malformed\"} 2",
           "submitwatch_lost_events_total{reason=\"alloc\"} 0",
           "# UNIT submitwatch_bpf_run_time_seconds seconds",
           "submitwatch_bpf_run_time_seconds_total{program=\"sw_bio_queue\"} 2.5",
           "submitwatch_bpf_runs_total{program=\"sw_bio_queue\"} 1000",
           "# TYPE submitwatch_cgroup_bios counter",
           "# HELP submitwatch_cgroup_bios Bios the cgroup submitted to the disk, wherever they "
           "were charged.",
           "submitwatch_cgroup_bios_total{cgroup=\"/vm-1\",disk=\"loop0\",submitter=\"task\"} 256",
           "# TYPE submitwatch_cgroup_bytes counter",
           "# UNIT submitwatch_cgroup_bytes bytes",
           "submitwatch_cgroup_bytes_total{cgroup=\"/vm-1\",disk=\"loop0\",submitter=\"task\"} "
           "1048576",
           "submitwatch_cgroup_elsewhere_bios_total{cgroup=\"/vm-1\",disk=\"loop0\","
           "submitter=\"task\"} 1",
           "submitwatch_cgroup_elsewhere_bytes_total{cgroup=\"/vm-1\",disk=\"loop0\","
           "submitter=\"task\"} 4096",
           "# TYPE submitwatch_cgroup_readiness stateset",
           "submitwatch_cgroup_readiness{cgroup=\"/vm-1\",disk=\"loop0\",submitter=\"task\","
           "submitwatch_cgroup_readiness=\"ready\"} 1",
           "submitwatch_cgroup_readiness{cgroup=\"/vm-1\",disk=\"loop0\",submitter=\"task\","
           "submitwatch_cgroup_readiness=\"pending\"} 0",
           "submitwatch_cgroup_readiness{cgroup=\"/vm-1\",disk=\"loop0\",submitter=\"task\","
           "submitwatch_cgroup_readiness=\"fallback\"} 1",
           "submitwatch_cgroup_readiness{cgroup=\"/vm-1\",disk=\"loop0\",submitter=\"task\","
           "submitwatch_cgroup_readiness=\"failed\"} 0",
           "submitwatch_cgroup_time_to_ready_seconds{cgroup=\"/vm-1\",disk=\"loop0\","
           "submitter=\"task\"} 0.0015",
           "submitwatch_allocations_total{site=\"blkg_alloc\",allocator=\"percpu\","
           "verdict=\"UNSAFE\"} 3",
           "submitwatch_allocation_failures_total{site=\"blkg_alloc\",allocator=\"percpu\","
           "verdict=\"UNSAFE\"} 1",
           "submitwatch_allocation_bytes_total{site=\"blkg_alloc\",allocator=\"percpu\","
           "verdict=\"UNSAFE\"} 1440",
           "submitwatch_workqueue_queued_total{function=\"loop_workfn\"} 7",
           "submitwatch_workqueue_executed_total{function=\"loop_workfn\"} 6",
           "# TYPE submitwatch_workqueue_latency_seconds histogram",
           "# UNIT submitwatch_workqueue_latency_seconds seconds",
       }) {
    EXPECT_TRUE(HasLine(text, line)) << "missing: " << line << "\n" << text;
  }
  EXPECT_FALSE(absl::StrContains(text, "# TYPE submitwatch_cgroup_bios_total"));
}

TEST(RenderMetricsTest, PrometheusTextNamesFamiliesAfterTheirSamples) {
  const std::string text = RenderMetrics(OneOfEach(), ExpositionFormat::kPrometheusText);
  EXPECT_FALSE(absl::StrContains(text, "# EOF"));
  EXPECT_FALSE(absl::StrContains(text, "# UNIT"));
  for (const char* line : {
           "# TYPE submitwatch_build_info gauge",
           "# TYPE submitwatch_hook_info gauge",
           "# TYPE submitwatch_events_total counter",
           "# HELP submitwatch_events_total Events received from the kernel's ring buffer.",
           "# TYPE submitwatch_cgroup_bios_total counter",
           "# TYPE submitwatch_cgroup_readiness gauge",
           "# TYPE submitwatch_workqueue_latency_seconds histogram",
           "submitwatch_cgroup_bios_total{cgroup=\"/vm-1\",disk=\"loop0\",submitter=\"task\"} 256",
       }) {
    EXPECT_TRUE(HasLine(text, line)) << "missing: " << line << "\n" << text;
  }
  // Every family once, in the documented order.
  std::vector<std::string> types;
  for (const std::string& l : Lines(text)) {
    if (absl::StartsWith(l, "# TYPE ")) {
      std::vector<std::string> parts = absl::StrSplit(l, ' ');
      types.push_back(parts[2]);
    }
  }
  EXPECT_EQ(types, MetricFamilyNames());
}

TEST(RenderMetricsTest, HistogramsAreCumulativeLog2BucketsWithExactSumAndCount) {
  for (ExpositionFormat format : {ExpositionFormat::kOpenMetrics, ExpositionFormat::kPrometheusText}) {
    const std::string text = RenderMetrics(OneOfEach(), format);
    std::vector<std::string> buckets;
    for (const std::string& l : Lines(text)) {
      if (absl::StartsWith(l, "submitwatch_workqueue_latency_seconds_bucket{")) buckets.push_back(l);
    }
    // 39 bounds 2^(i+1) ns, and +Inf for the last bucket, which also counts
    // everything above 2^39 ns.
    ASSERT_EQ(buckets.size(), 40u);
    const std::string prefix = "submitwatch_workqueue_latency_seconds_bucket{function=\"loop_workfn\",";
    EXPECT_EQ(buckets[0], prefix + "le=\"2e-09\"} 1");
    EXPECT_EQ(buckets[1], prefix + "le=\"4e-09\"} 1");
    EXPECT_EQ(buckets[2], prefix + "le=\"8e-09\"} 3");
    EXPECT_EQ(buckets[9], prefix + "le=\"1.024e-06\"} 3");
    EXPECT_EQ(buckets[38], prefix + "le=\"549.755813888\"} 3");
    EXPECT_EQ(buckets[39], prefix + "le=\"+Inf\"} 4");
    EXPECT_TRUE(HasLine(
        text, "submitwatch_workqueue_latency_seconds_count{function=\"loop_workfn\"} 4"));
    EXPECT_TRUE(HasLine(
        text, "submitwatch_workqueue_latency_seconds_sum{function=\"loop_workfn\"} 1000.000000123"));
    EXPECT_TRUE(HasLine(
        text, "submitwatch_workqueue_runtime_seconds_bucket{function=\"loop_workfn\",le=\"2.048e-06\"} 6"));
    EXPECT_TRUE(HasLine(text, "submitwatch_workqueue_runtime_seconds_sum{function=\"loop_workfn\"} 7e-06"));
  }
}

TEST(RenderMetricsTest, WithoutRunTimeStatisticsTheBpfCostIsLeftOut) {
  MetricsSnapshot s = OneOfEach();
  s.bpf_programs.reset();
  const std::string text = RenderMetrics(s, ExpositionFormat::kOpenMetrics);
  EXPECT_FALSE(absl::StrContains(text, "submitwatch_bpf_"));
  EXPECT_TRUE(absl::EndsWith(text, "# EOF\n"));
}

// Reads one sample line the way Prometheus' parsers do: a metric name, label
// pairs with quoted values using only the three escapes, a value. Returns the
// unescaped label values, or nothing when the line is malformed.
std::optional<std::vector<std::string>> ParseSample(std::string_view line) {
  size_t i = 0;
  const auto name_char = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
  };
  if (line.empty() || !name_char(line[0], true)) return std::nullopt;
  while (i < line.size() && name_char(line[i], i == 0)) ++i;
  std::vector<std::string> values;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const size_t eq = line.find('=', i);
      if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
        return std::nullopt;
      }
      std::string value;
      size_t j = eq + 2;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\') {
          if (j + 1 >= line.size()) return std::nullopt;
          const char e = line[++j];
          if (e == 'n') {
            value.push_back('\n');
          } else if (e == '\\' || e == '"') {
            value.push_back(e);
          } else {
            return std::nullopt;
          }
        } else {
          value.push_back(line[j]);
        }
      }
      if (j >= line.size()) return std::nullopt;
      values.push_back(value);
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return std::nullopt;
    ++i;
  }
  if (i >= line.size() || line[i] != ' ') return std::nullopt;
  return values;
}

TEST(RenderMetricsTest, HostileCgroupNamesGiveValidLinesThatReadBackAsValidUtf8) {
  const std::vector<std::pair<std::string, std::string>> names = {
      {"/q\"uote", "/q\"uote"},
      {"/back\\slash\\", "/back\\slash\\"},
      {"/new\nline", "/new\nline"},
      {"/bad\xFF\xFEutf8", "/bad\xEF\xBF\xBD\xEF\xBF\xBDutf8"},
      {"/} 1\n# EOF", "/} 1\n# EOF"},
  };
  MetricsSnapshot s = OneOfEach();
  s.cgroups.clear();
  for (const auto& [raw, shown] : names) {
    CgroupSeries c;
    c.cgroup = raw;
    c.disk = "loop\"0";
    s.cgroups.push_back(c);
  }
  for (ExpositionFormat format : {ExpositionFormat::kOpenMetrics, ExpositionFormat::kPrometheusText}) {
    const std::string text = RenderMetrics(s, format);
    std::vector<std::string> cgroups_seen;
    int eof_lines = 0;
    for (const std::string& line : Lines(text)) {
      if (line == "# EOF") ++eof_lines;
      if (line[0] == '#') continue;
      const std::optional<std::vector<std::string>> values = ParseSample(line);
      ASSERT_TRUE(values) << "malformed: " << line;
      if (absl::StartsWith(line, "submitwatch_cgroup_bios_total{")) {
        ASSERT_EQ(values->size(), 3u);
        cgroups_seen.push_back((*values)[0]);
        EXPECT_EQ((*values)[1], "loop\"0");
      }
    }
    EXPECT_EQ(eof_lines, format == ExpositionFormat::kOpenMetrics ? 1 : 0);
    ASSERT_EQ(cgroups_seen.size(), names.size());
    for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(cgroups_seen[i], names[i].second);
  }
}

TEST(MetricsExchangeTest, RendersTheLatestPublishedSnapshotInTheAskedFormat) {
  MetricsExchange exchange;
  MetricsExchange::Scrape empty = exchange.Render("");
  EXPECT_EQ(empty.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(HasLine(empty.body, "submitwatch_events_total 0"));
  MetricsSnapshot s = OneOfEach();
  exchange.Publish(s);
  s.events = 43;
  exchange.Publish(s);
  MetricsExchange::Scrape om = exchange.Render(kPrometheusAccept);
  EXPECT_EQ(om.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_EQ(om.body, RenderMetrics(s, ExpositionFormat::kOpenMetrics));
  EXPECT_TRUE(HasLine(om.body, "submitwatch_events_total 43"));
}

}  // namespace
}  // namespace submitwatch
