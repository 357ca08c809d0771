// End to end: `submitwatch serve` (root, real BPF) scraped by promtool and by
// a real Prometheus server (Debian's `prometheus`), while the test drives
// O_DIRECT writes of an exact size from fresh cgroups to a fresh loop
// device. Everything the tests start or make (serve, Prometheus, cgroups,
// the loop device, temporary directories) goes when they end, pass or fail.
// Host only: not part of kernel_tests, which also run in scripts/qemu-test's
// guests (no Prometheus there).
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "capture/json_parser.h"
#include "e2e_fixtures.h"
#include "kernel_fixtures.h"

namespace submitwatch::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr int kBlocks = 300;  // 4 KiB each
constexpr char kUtf8Replacement[] = "\xEF\xBF\xBD";

std::string LabelText(const std::string& value) {
  return absl::StrReplaceAll(value, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

// The series' label set as serve writes it.
std::string CgroupSeries(const std::string& family, const std::string& cgroup,
                         const std::string& disk) {
  return absl::StrCat(family, "{cgroup=\"", LabelText(cgroup), "\",disk=\"", disk,
                      "\",submitter=\"task\"}");
}

std::optional<uint64_t> Uint(const std::optional<std::string>& text) {
  uint64_t v = 0;
  if (!text || !absl::SimpleAtoi(*text, &v)) return std::nullopt;
  return v;
}

// One instant query's answer: each series' labels and value.
struct QuerySample {
  std::map<std::string, std::string> labels;
  std::string value;
};

class Prometheus {
 public:
  static absl::StatusOr<std::unique_ptr<Prometheus>> Start(const std::string& binary,
                                                           uint16_t target_port) {
    auto p = std::unique_ptr<Prometheus>(new Prometheus);
    absl::StatusOr<std::unique_ptr<TempDir>> dir = TempDir::Create("prometheus");
    if (!dir.ok()) return dir.status();
    p->dir_ = *std::move(dir);
    const std::string config = p->dir_->path() + "/prometheus.yml";
    std::ofstream(config) << "global:\n"
                          << "  scrape_interval: 1s\n"
                          << "  scrape_timeout: 1s\n"
                          << "scrape_configs:\n"
                          << "  - job_name: submitwatch\n"
                          << "    static_configs:\n"
                          << "      - targets: ['127.0.0.1:" << target_port << "']\n";
    p->port_ = FreeLoopbackPort();
    absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(
        {binary, "--config.file=" + config, "--storage.tsdb.path=" + p->dir_->path() + "/data",
         absl::StrCat("--web.listen-address=127.0.0.1:", p->port_), "--log.level=warn"},
        p->dir_->path() + "/prometheus.log");
    if (!child.ok()) return child.status();
    p->process_ = *std::move(child);
    for (int i = 0; i < 600; ++i) {
      if (HttpGet(p->port_, "/-/ready").status == 200) return p;
      if (p->process_->Exited()) {
        return absl::InternalError(absl::StrCat("prometheus exited: ", p->process_->Log()));
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    return absl::DeadlineExceededError(
        absl::StrCat("prometheus not ready within 60 s: ", p->process_->Log()));
  }

  // /api/v1/query at `time` (Unix seconds; now when empty); the raw JSON
  // answer goes to *raw.
  absl::StatusOr<std::vector<QuerySample>> Query(const std::string& promql,
                                                 const std::string& time = "",
                                                 std::string* raw = nullptr) const {
    std::string target = "/api/v1/query?query=" + UrlEncode(promql);
    if (!time.empty()) absl::StrAppend(&target, "&time=", time);
    const HttpResponse r = HttpGet(port_, target);
    if (raw != nullptr) *raw = r.body;
    if (r.status != 200) {
      return absl::UnavailableError(absl::StrCat("query ", promql, ": HTTP ", r.status, " ", r.body));
    }
    absl::StatusOr<JsonValue> json = ParseJson(r.body);
    if (!json.ok()) return json.status();
    const JsonValue* data = json->Find("data");
    const JsonValue* result = data != nullptr ? data->Find("result") : nullptr;
    if (result == nullptr || result->AsArray() == nullptr) {
      return absl::InternalError(absl::StrCat("query ", promql, ": no result in ", r.body));
    }
    std::vector<QuerySample> samples;
    for (const JsonValue& item : *result->AsArray()) {
      QuerySample s;
      if (const JsonValue* metric = item.Find("metric"); metric && metric->AsObject()) {
        for (const auto& [name, value] : *metric->AsObject()) {
          if (const std::string* v = value.AsString()) s.labels[name] = *v;
        }
      }
      const JsonValue* value = item.Find("value");
      if (value != nullptr && value->AsArray() != nullptr && value->AsArray()->size() == 2) {
        if (const std::string* v = (*value->AsArray())[1].AsString()) s.value = *v;
      }
      samples.push_back(std::move(s));
    }
    return samples;
  }

  std::string Log() const { return process_->Log(); }

 private:
  std::unique_ptr<TempDir> dir_;
  uint16_t port_ = 0;
  // Declared last: it stops before its directory goes.
  std::unique_ptr<ChildProcess> process_;
};

// Scrapes serve every 100 ms and keeps, for each snapshot it saw (by its
// timestamp), the work-queue histogram counts of the loop driver's work
// functions: what Prometheus stored must be one of them.
class DirectScraper {
 public:
  struct Counts {
    std::map<std::string, uint64_t> runtime_count;  // by function
    std::map<std::string, uint64_t> latency_count;
    std::map<std::string, std::string> runtime_sum;
  };
  static constexpr const char* kLoopFunctions[] = {"loop_workfn", "loop_rootcg_workfn"};

  explicit DirectScraper(uint16_t port) : port_(port), thread_([this] { Run(); }) {}
  ~DirectScraper() {
    stop_ = true;
    thread_.join();
  }
  std::map<double, Counts> Seen() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

 private:
  void Run() {
    while (!stop_) {
      const HttpResponse r = HttpGet(port_, "/metrics");
      double ts = 0;
      const std::optional<std::string> ts_text =
          SampleValue(r.body, "submitwatch_last_snapshot_timestamp_seconds");
      if (r.status == 200 && ts_text && absl::SimpleAtod(*ts_text, &ts)) {
        Counts counts;
        for (const char* fn : kLoopFunctions) {
          const std::string labels = absl::StrCat("{function=\"", fn, "\"}");
          if (auto n = Uint(SampleValue(r.body, absl::StrCat(
                                                    "submitwatch_workqueue_runtime_seconds_count",
                                                    labels)))) {
            counts.runtime_count[fn] = *n;
          }
          if (auto n = Uint(SampleValue(
                  r.body, absl::StrCat("submitwatch_workqueue_latency_seconds_count", labels)))) {
            counts.latency_count[fn] = *n;
          }
          if (auto sum = SampleValue(
                  r.body, absl::StrCat("submitwatch_workqueue_runtime_seconds_sum", labels))) {
            counts.runtime_sum[fn] = *sum;
          }
        }
        std::lock_guard<std::mutex> lock(mutex_);
        seen_[ts] = std::move(counts);
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
  }

  uint16_t port_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::map<double, Counts> seen_;
  std::thread thread_;
};

void WaitFor(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = steady_clock::now() + limit;
  while (!done() && steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(200));
}

TEST(ServePrometheus, ScrapesTheExactBytesOfACgroupAndTheWorkqueueHistogram) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  const std::string prometheus_binary = FindProgram({"prometheus"});
  if (prometheus_binary.empty()) SW_SKIP_OR_FAIL("no prometheus on PATH (scripts/deps installs it)");

  absl::StatusOr<std::unique_ptr<LoopDevice>> loop = LoopDevice::Create(64ull << 20);
  ASSERT_TRUE(loop.ok()) << loop.status();
  absl::StatusOr<std::unique_ptr<TestCgroup>> cgroup = TestCgroup::Create("e2e");
  ASSERT_TRUE(cgroup.ok()) << cgroup.status();
  // A name with a quote, a backslash and bytes that are not UTF-8.
  absl::StatusOr<std::unique_ptr<TestCgroup>> hostile = TestCgroup::Create("e2e-q\"b\\s\xFF\xFE");
  ASSERT_TRUE(hostile.ok()) << hostile.status();
  absl::StatusOr<std::unique_ptr<TempDir>> dir = TempDir::Create("serve");
  ASSERT_TRUE(dir.ok()) << dir.status();

  absl::StatusOr<ServeProcess> serve = StartServe({"--interval", "1s"}, (*dir)->path() + "/serve.log");
  ASSERT_TRUE(serve.ok()) << serve.status();
  absl::StatusOr<std::unique_ptr<Prometheus>> prometheus =
      Prometheus::Start(prometheus_binary, serve->port);
  ASSERT_TRUE(prometheus.ok()) << prometheus.status();
  Prometheus& prom = **prometheus;
  DirectScraper scraper(serve->port);

  // Prometheus scrapes serve, in OpenMetrics (it asks for it first).
  bool up = false;
  WaitFor([&] {
    absl::StatusOr<std::vector<QuerySample>> r = prom.Query("up{job=\"submitwatch\"}");
    up = r.ok() && r->size() == 1 && (*r)[0].value == "1";
    return up;
  }, seconds(60));
  ASSERT_TRUE(up) << prom.Log() << serve->process->Log();
  // The loop driver's work counts before the IO.
  std::map<std::string, uint64_t> before;
  WaitFor([&] { return !scraper.Seen().empty(); }, seconds(10));
  ASSERT_FALSE(scraper.Seen().empty());
  before = scraper.Seen().rbegin()->second.runtime_count;

  ASSERT_EQ(DirectWritesFromCgroup((*cgroup)->dir(), (*loop)->device(), kBlocks), 0);
  ASSERT_EQ(DirectWritesFromCgroup((*hostile)->dir(), (*loop)->device(), 5), 0);
  const uint64_t bytes = uint64_t{kBlocks} * 4096;

  // The exact byte count of the (cgroup, disk), as Prometheus stored it.
  const std::string selector = absl::StrCat("{cgroup=\"", (*cgroup)->path(), "\",disk=\"",
                                            (*loop)->name(), "\",submitter=\"task\"}");
  std::string bytes_answer;
  WaitFor([&] {
    absl::StatusOr<std::vector<QuerySample>> r =
        prom.Query("submitwatch_cgroup_bytes_total" + selector, "", &bytes_answer);
    return r.ok() && r->size() == 1 && (*r)[0].value == absl::StrCat(bytes);
  }, seconds(60));
  std::cout << "prometheus answer (bytes): " << bytes_answer << "\n";
  absl::StatusOr<std::vector<QuerySample>> r = prom.Query("submitwatch_cgroup_bytes_total" + selector);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u) << bytes_answer;
  EXPECT_EQ((*r)[0].value, absl::StrCat(bytes));
  EXPECT_EQ((*r)[0].labels["job"], "submitwatch");
  std::string answer;
  r = prom.Query("submitwatch_cgroup_bios_total" + selector, "", &answer);
  std::cout << "prometheus answer (bios): " << answer << "\n";
  ASSERT_TRUE(r.ok() && r->size() == 1) << answer;
  EXPECT_EQ((*r)[0].value, absl::StrCat(kBlocks));
  r = prom.Query("submitwatch_cgroup_elsewhere_bytes_total" + selector);
  ASSERT_TRUE(r.ok() && r->size() == 1);
  EXPECT_EQ((*r)[0].value, "0");
  r = prom.Query(absl::StrCat("submitwatch_cgroup_readiness{cgroup=\"", (*cgroup)->path(),
                              "\",disk=\"", (*loop)->name(), "\"} == 1"),
                 "", &answer);
  std::cout << "prometheus answer (readiness): " << answer << "\n";
  ASSERT_TRUE(r.ok() && r->size() == 1) << answer;
  EXPECT_EQ((*r)[0].labels["submitwatch_cgroup_readiness"], "ready");

  // The hostile name reached Prometheus intact, its bytes that are not UTF-8
  // as U+FFFD.
  const std::string hostile_shown =
      absl::StrReplaceAll((*hostile)->path(), {{"\xFF", kUtf8Replacement}, {"\xFE", kUtf8Replacement}});
  WaitFor([&] {
    absl::StatusOr<std::vector<QuerySample>> q = prom.Query(absl::StrCat(
        "submitwatch_cgroup_bytes_total{disk=\"", (*loop)->name(), "\",cgroup=~\".*e2e-q.*\"}"));
    return q.ok() && q->size() == 1 && (*q)[0].value == "20480";
  }, seconds(30));
  r = prom.Query(absl::StrCat("submitwatch_cgroup_bytes_total{disk=\"", (*loop)->name(),
                              "\",cgroup=~\".*e2e-q.*\"}"),
                 "", &answer);
  std::cout << "prometheus answer (hostile cgroup): " << answer << "\n";
  ASSERT_TRUE(r.ok() && r->size() == 1) << answer;
  EXPECT_EQ((*r)[0].labels["cgroup"], hostile_shown);
  EXPECT_EQ((*r)[0].value, "20480");

  // The work-queue histogram's count: the loop driver ran work for the
  // writes, and what Prometheus stored at a time is exactly what serve
  // published in the snapshot Prometheus scraped then. Queried 2 s in the
  // past, so that the scrape it reads is committed whole.
  std::string function;
  WaitFor([&] {
    const auto seen = scraper.Seen();
    if (seen.empty()) return false;
    for (const auto& [fn, n] : seen.rbegin()->second.runtime_count) {
      if (n > before[fn]) function = fn;
    }
    return !function.empty();
  }, seconds(30));
  ASSERT_FALSE(function.empty()) << "no loop work function ran for the writes";
  std::this_thread::sleep_for(seconds(4));
  const std::string at = absl::StrFormat(
      "%.3f", std::chrono::duration_cast<milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count() / 1000.0 - 2.0);
  std::string ts_answer, count_answer, inf_answer, latency_answer, sum_answer;
  absl::StatusOr<std::vector<QuerySample>> ts =
      prom.Query("submitwatch_last_snapshot_timestamp_seconds", at, &ts_answer);
  const std::string fn_selector = absl::StrCat("{function=\"", function, "\"}");
  absl::StatusOr<std::vector<QuerySample>> count =
      prom.Query("submitwatch_workqueue_runtime_seconds_count" + fn_selector, at, &count_answer);
  absl::StatusOr<std::vector<QuerySample>> inf = prom.Query(
      absl::StrCat("submitwatch_workqueue_runtime_seconds_bucket{function=\"", function,
                   "\",le=\"+Inf\"}"),
      at, &inf_answer);
  absl::StatusOr<std::vector<QuerySample>> latency =
      prom.Query("submitwatch_workqueue_latency_seconds_count" + fn_selector, at, &latency_answer);
  absl::StatusOr<std::vector<QuerySample>> sum =
      prom.Query("submitwatch_workqueue_runtime_seconds_sum" + fn_selector, at, &sum_answer);
  std::cout << "prometheus answer (snapshot time at " << at << "): " << ts_answer << "\n"
            << "prometheus answer (runtime _count): " << count_answer << "\n"
            << "prometheus answer (runtime le=+Inf): " << inf_answer << "\n"
            << "prometheus answer (latency _count): " << latency_answer << "\n"
            << "prometheus answer (runtime _sum): " << sum_answer << "\n";
  ASSERT_TRUE(ts.ok() && ts->size() == 1) << ts_answer;
  ASSERT_TRUE(count.ok() && count->size() == 1) << count_answer;
  ASSERT_TRUE(inf.ok() && inf->size() == 1) << inf_answer;
  ASSERT_TRUE(latency.ok() && latency->size() == 1) << latency_answer;
  ASSERT_TRUE(sum.ok() && sum->size() == 1) << sum_answer;
  double snapshot_ts = 0;
  ASSERT_TRUE(absl::SimpleAtod((*ts)[0].value, &snapshot_ts));
  const auto seen = scraper.Seen();
  const auto published = seen.find(snapshot_ts);
  ASSERT_NE(published, seen.end()) << "serve never published a snapshot taken at " << snapshot_ts;
  const DirectScraper::Counts& served = published->second;
  std::cout << "serve published at " << (*ts)[0].value << ": " << function << " runtime count "
            << served.runtime_count.at(function) << ", latency count "
            << served.latency_count.at(function) << " (before the writes: " << before[function]
            << ")\n";
  EXPECT_EQ((*count)[0].value, absl::StrCat(served.runtime_count.at(function)));
  EXPECT_EQ((*inf)[0].value, (*count)[0].value);
  EXPECT_EQ((*latency)[0].value, absl::StrCat(served.latency_count.at(function)));
  double prom_sum = 0, served_sum = 0;
  ASSERT_TRUE(absl::SimpleAtod((*sum)[0].value, &prom_sum));
  ASSERT_TRUE(absl::SimpleAtod(served.runtime_sum.at(function), &served_sum));
  EXPECT_EQ(prom_sum, served_sum);
  // Every measured item also started: executed (counted at the start) is at
  // least either histogram's count, in the same scrape.
  std::string executed_answer;
  absl::StatusOr<std::vector<QuerySample>> executed =
      prom.Query("submitwatch_workqueue_executed_total" + fn_selector, at, &executed_answer);
  std::cout << "prometheus answer (executed): " << executed_answer << "\n";
  ASSERT_TRUE(executed.ok() && executed->size() == 1) << executed_answer;
  uint64_t executed_n = 0, count_n = 0, latency_n = 0;
  ASSERT_TRUE(absl::SimpleAtoi((*executed)[0].value, &executed_n));
  ASSERT_TRUE(absl::SimpleAtoi((*count)[0].value, &count_n));
  ASSERT_TRUE(absl::SimpleAtoi((*latency)[0].value, &latency_n));
  EXPECT_GE(executed_n, count_n);
  EXPECT_GE(executed_n, latency_n);
  // The writes ran the loop driver's work. (Not one execution each: the
  // histograms count only items whose start and end the hooks matched on one
  // CPU, and loop's workers are unbound, so they may move mid-item.)
  EXPECT_GT(served.runtime_count.at(function), before[function]);

  // serve stops cleanly on SIGTERM.
  EXPECT_EQ(serve->process->Stop(SIGTERM), 0) << serve->process->Log();
}

TEST(ServeLive, PromtoolPassesALiveScrapeAndRemovedCgroupsLeave) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  const std::string promtool = FindProgram({"promtool"});
  if (promtool.empty()) SW_SKIP_OR_FAIL("no promtool on PATH (scripts/deps installs prometheus)");

  absl::StatusOr<std::unique_ptr<LoopDevice>> loop = LoopDevice::Create(16ull << 20);
  ASSERT_TRUE(loop.ok()) << loop.status();
  absl::StatusOr<std::unique_ptr<TestCgroup>> plain = TestCgroup::Create("live");
  ASSERT_TRUE(plain.ok()) << plain.status();
  // The kernel refuses a newline in a cgroup name (it would break
  // /proc/PID/cgroup); every other byte but '/' is allowed.
  absl::StatusOr<std::unique_ptr<TestCgroup>> newline = TestCgroup::Create("new\nline");
  EXPECT_FALSE(newline.ok());
  std::vector<std::unique_ptr<TestCgroup>> hostile;
  for (const char* name : {"q\"uote", "back\\slash\\", "bad\xFF\xFEutf8", "} 1 # EOF"}) {
    absl::StatusOr<std::unique_ptr<TestCgroup>> cg = TestCgroup::Create(name);
    ASSERT_TRUE(cg.ok()) << cg.status();
    hostile.push_back(*std::move(cg));
  }
  absl::StatusOr<std::unique_ptr<TempDir>> dir = TempDir::Create("serve-live");
  ASSERT_TRUE(dir.ok()) << dir.status();
  absl::StatusOr<ServeProcess> serve =
      StartServe({"--interval", "500ms"}, (*dir)->path() + "/serve.log");
  ASSERT_TRUE(serve.ok()) << serve.status();

  ASSERT_EQ(DirectWritesFromCgroup((*plain)->dir(), (*loop)->device(), 4), 0);
  for (const auto& cg : hostile) ASSERT_EQ(DirectWritesFromCgroup(cg->dir(), (*loop)->device(), 4), 0);
  const auto shown = [](const std::string& path) {
    return absl::StrReplaceAll(path, {{"\xFF", kUtf8Replacement}, {"\xFE", kUtf8Replacement}});
  };
  const auto bytes_of = [&](const std::string& text, const std::string& path) {
    return Uint(SampleValue(text, CgroupSeries("submitwatch_cgroup_bytes_total", shown(path),
                                               (*loop)->name())));
  };
  std::string text;
  WaitFor([&] {
    text = HttpGet(serve->port, "/metrics").body;
    for (const auto& cg : hostile) {
      if (bytes_of(text, cg->path()) != 16384u) return false;
    }
    return bytes_of(text, (*plain)->path()) == 16384u;
  }, seconds(30));
  for (const auto& cg : hostile) EXPECT_EQ(bytes_of(text, cg->path()), 16384u) << cg->path();
  EXPECT_EQ(bytes_of(text, (*plain)->path()), 16384u);

  // promtool reads the Prometheus text format and lints it.
  const std::string scrape_file = (*dir)->path() + "/scrape.txt";
  std::ofstream(scrape_file) << text;
  const CommandResult check =
      RunCommand({"sh", "-c", absl::StrCat(ShellQuote(promtool), " check metrics < ", ShellQuote(scrape_file))});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_EQ(check.output, "") << check.output;

  // OpenMetrics, asked for as Prometheus asks.
  const HttpResponse om = HttpGet(serve->port, "/metrics",
                                  "application/openmetrics-text;version=1.0.0,"
                                  "text/plain;version=0.0.4;q=0.5");
  EXPECT_EQ(om.status, 200);
  EXPECT_TRUE(absl::StrContains(
      om.headers, "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8"))
      << om.headers;
  EXPECT_TRUE(absl::EndsWith(om.body, "\n# EOF\n"));
  // The cgroup named "} 1 # EOF" stays inside its quotes: one EOF line.
  EXPECT_EQ(om.body.find("\n# EOF\n"), om.body.size() - 7) << "an # EOF line before the end";
  for (const auto& cg : hostile) {
    EXPECT_TRUE(absl::StrContains(
        om.body, CgroupSeries("submitwatch_cgroup_bytes_total", shown(cg->path()), (*loop)->name()) +
                     " 16384"))
        << cg->path();
  }

  // Removed cgroups' series go once the tool lets go of them (10 s after the
  // removal); the others stay.
  hostile.clear();
  const auto removed_at = steady_clock::now();
  WaitFor([&] {
    text = HttpGet(serve->port, "/metrics").body;
    return !absl::StrContains(text, "q\\\"uote");
  }, seconds(30));
  const auto gone_after = std::chrono::duration_cast<milliseconds>(steady_clock::now() - removed_at);
  EXPECT_FALSE(absl::StrContains(text, "q\\\"uote")) << "still there after " << gone_after.count() << " ms";
  EXPECT_FALSE(absl::StrContains(text, "back\\\\slash"));
  EXPECT_GE(gone_after.count(), 9000) << "gone before the grace period";
  EXPECT_EQ(bytes_of(text, (*plain)->path()), 16384u);
  std::cout << "removed cgroups' series gone after " << gone_after.count() << " ms\n";
  EXPECT_EQ(serve->process->Stop(SIGTERM), 0) << serve->process->Log();
}

// The unit's CapabilityBoundingSet= is enough, and no more than serve keeps
// once listening: serve started with exactly that bounding set (as systemd
// sets it for a root service; setpriv here, where systemd is not PID 1)
// attaches, serves the BPF cost too (CAP_SYS_ADMIN), and gives up all but
// four capabilities.
TEST(ServeLive, RunsWithTheUnitsCapabilityBoundingSet) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  const std::string setpriv = FindProgram({"setpriv"});
  if (setpriv.empty()) SW_SKIP_OR_FAIL("no setpriv on PATH (util-linux)");
  std::ifstream unit(SUBMITWATCH_UNIT_TEMPLATE);
  std::string line, bounding = "-all";
  while (std::getline(unit, line)) {
    if (!absl::StartsWith(line, "CapabilityBoundingSet=")) continue;
    for (absl::string_view cap :
         absl::StrSplit(line.substr(line.find('=') + 1), ' ', absl::SkipEmpty())) {
      absl::ConsumePrefix(&cap, "CAP_");
      absl::StrAppend(&bounding, ",+", absl::AsciiStrToLower(cap));
    }
  }
  ASSERT_NE(bounding, "-all") << "no CapabilityBoundingSet= in " << SUBMITWATCH_UNIT_TEMPLATE;
  absl::StatusOr<std::unique_ptr<TempDir>> dir = TempDir::Create("serve-caps");
  ASSERT_TRUE(dir.ok()) << dir.status();
  absl::StatusOr<ServeProcess> serve =
      StartServe({"--interval", "500ms"}, (*dir)->path() + "/serve.log",
                 {setpriv, "--bounding-set", bounding, "--inh-caps", "-all", "--"});
  ASSERT_TRUE(serve.ok()) << bounding << ": " << serve.status();
  std::string text;
  WaitFor([&] {
    text = HttpGet(serve->port, "/metrics").body;
    return absl::StrContains(text, "submitwatch_bpf_runs_total{") &&
           absl::StrContains(text, "submitwatch_workqueue_executed_total{");
  }, seconds(20));
  EXPECT_TRUE(absl::StrContains(text, "submitwatch_bpf_runs_total{")) << serve->process->Log();
  EXPECT_TRUE(absl::StrContains(text, "submitwatch_workqueue_executed_total{"));
  EXPECT_FALSE(absl::StrContains(serve->process->Log(), "warning")) << serve->process->Log();
  EXPECT_EQ(CapabilityMask(serve->process->pid(), "CapBnd"), kCapabilitiesKeptAfterAttach)
      << bounding;
  EXPECT_EQ(serve->process->Stop(SIGTERM), 0) << serve->process->Log();
}

}  // namespace
}  // namespace submitwatch::testing
