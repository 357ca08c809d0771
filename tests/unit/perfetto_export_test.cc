// `report --format perfetto`: the trace is checked against the trace-event
// format the way Chrome's and Perfetto's JSON importers read it (required
// fields per phase, matching B/E, properly nested X, time order per track),
// parsed back with the project's own JSON parser, and its tracks carry
// exactly the values a synthetic capture implies.
#include "sinks/export/perfetto_export.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "capture/json_parser.h"
#include "capture/json_writer.h"
#include "gtest/gtest.h"
#include "model/gfp.h"

namespace submitwatch {
namespace {

// --- the format validator ----------------------------------------------------

std::string Describe(const JsonValue& e, size_t index) {
  const JsonValue* name = e.Find("name");
  return absl::StrCat("event ", index, " (",
                      name != nullptr && name->AsString() ? *name->AsString() : "?", ")");
}

// Every way `trace` breaks the trace-event format; empty when it is valid.
std::vector<std::string> TraceFormatErrors(const JsonValue& trace) {
  std::vector<std::string> errors;
  const auto error = [&errors](std::string message) { errors.push_back(std::move(message)); };
  if (!trace.is_object()) return {"the trace is not a JSON object"};
  const JsonValue* events = trace.Find("traceEvents");
  if (events == nullptr || !events->is_array()) return {"no traceEvents array"};
  if (const JsonValue* unit = trace.Find("displayTimeUnit")) {
    if (unit->AsString() == nullptr || (*unit->AsString() != "ns" && *unit->AsString() != "ms")) {
      error("displayTimeUnit is neither \"ns\" nor \"ms\"");
    }
  }

  using Track = std::pair<int64_t, int64_t>;  // (pid, tid)
  std::map<Track, double> last_ts;
  std::map<Track, std::vector<std::pair<std::string, double>>> open_b;  // B stack
  std::map<Track, std::vector<double>> open_x;                          // X end times
  const std::set<std::string> phases = {"B", "E", "X", "i", "I", "C", "M", "b", "e",
                                        "n", "s", "t", "f", "P", "O", "N", "D"};
  const std::set<std::string> metadata = {"process_name", "process_labels", "process_sort_index",
                                          "thread_name", "thread_sort_index"};
  size_t index = 0;
  for (const JsonValue& e : *events->AsArray()) {
    const std::string where = Describe(e, index++);
    if (!e.is_object()) {
      error(absl::StrCat(where, ": not an object"));
      continue;
    }
    const JsonValue* name = e.Find("name");
    const JsonValue* ph = e.Find("ph");
    const JsonValue* ts = e.Find("ts");
    const JsonValue* pid = e.Find("pid");
    const JsonValue* tid = e.Find("tid");
    const JsonValue* args = e.Find("args");
    if (name == nullptr || !name->is_string()) error(absl::StrCat(where, ": no string name"));
    if (ph == nullptr || ph->AsString() == nullptr || !phases.contains(*ph->AsString())) {
      error(absl::StrCat(where, ": no known ph"));
      continue;
    }
    if (ts == nullptr || !ts->is_number() || *ts->AsDouble() < 0) {
      error(absl::StrCat(where, ": ts is not a number >= 0"));
      continue;
    }
    if (pid == nullptr || !pid->is_integer()) error(absl::StrCat(where, ": pid is not an integer"));
    if (tid == nullptr || !tid->is_integer()) error(absl::StrCat(where, ": tid is not an integer"));
    if (args != nullptr && !args->is_object())
      error(absl::StrCat(where, ": args is not an object"));
    if (pid == nullptr || tid == nullptr || !pid->is_integer() || !tid->is_integer()) continue;

    const std::string& phase = *ph->AsString();
    const double t = *ts->AsDouble();
    const Track track{*pid->AsInt64(), *tid->AsInt64()};
    if (phase == "M") {
      if (name == nullptr || !name->is_string() || !metadata.contains(*name->AsString())) {
        error(absl::StrCat(where, ": unknown metadata event"));
      } else if (args == nullptr ||
                 (args->Find("name") == nullptr && args->Find("sort_index") == nullptr &&
                  args->Find("labels") == nullptr)) {
        error(absl::StrCat(where, ": metadata without its value"));
      }
      continue;  // metadata has no time
    }
    if (auto it = last_ts.find(track); it != last_ts.end() && t < it->second) {
      error(absl::StrCat(where, ": ts ", t, " goes back on its track (", it->second, ")"));
    }
    last_ts[track] = t;

    if (phase == "X") {
      const JsonValue* dur = e.Find("dur");
      if (dur == nullptr || !dur->is_number() || *dur->AsDouble() < 0) {
        error(absl::StrCat(where, ": X without a dur >= 0"));
        continue;
      }
      std::vector<double>& stack = open_x[track];
      while (!stack.empty() && stack.back() <= t) stack.pop_back();
      const double end = t + *dur->AsDouble();
      if (!stack.empty() && end > stack.back()) {
        error(absl::StrCat(where, ": X overlaps an enclosing slice without nesting in it"));
      }
      stack.push_back(end);
    } else if (phase == "i" || phase == "I") {
      const JsonValue* scope = e.Find("s");
      if (scope != nullptr &&
          (scope->AsString() == nullptr ||
           (*scope->AsString() != "t" && *scope->AsString() != "p" && *scope->AsString() != "g"))) {
        error(absl::StrCat(where, ": instant scope is not t, p or g"));
      }
      if (scope == nullptr) error(absl::StrCat(where, ": instant without its scope s"));
    } else if (phase == "C") {
      if (args == nullptr || !args->is_object() || args->AsObject()->empty()) {
        error(absl::StrCat(where, ": counter without args"));
      } else {
        for (const auto& [key, value] : *args->AsObject()) {
          if (!value.is_number()) error(absl::StrCat(where, ": counter arg ", key, " not numeric"));
        }
      }
    } else if (phase == "B") {
      open_b[track].push_back({*name->AsString(), t});
    } else if (phase == "E") {
      std::vector<std::pair<std::string, double>>& stack = open_b[track];
      if (stack.empty()) {
        error(absl::StrCat(where, ": E without a B"));
      } else {
        if (name != nullptr && name->is_string() && !name->AsString()->empty() &&
            *name->AsString() != stack.back().first) {
          error(absl::StrCat(where, ": E does not match B ", stack.back().first));
        }
        stack.pop_back();
      }
    }
  }
  for (const auto& [track, stack] : open_b) {
    if (!stack.empty()) error(absl::StrCat("B ", stack.back().first, " never ends"));
  }
  return errors;
}

JsonValue Parse(const std::string& text) {
  absl::StatusOr<JsonValue> v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : JsonValue();
}

TEST(TraceFormatValidator, CatchesWhatImportersReject) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"missing dur", R"({"traceEvents":[{"name":"a","ph":"X","ts":1,"pid":1,"tid":1}]})"},
      {"unmatched B", R"({"traceEvents":[{"name":"a","ph":"B","ts":1,"pid":1,"tid":1}]})"},
      {"E without B", R"({"traceEvents":[{"name":"a","ph":"E","ts":1,"pid":1,"tid":1}]})"},
      {"mismatched E", R"({"traceEvents":[{"name":"a","ph":"B","ts":1,"pid":1,"tid":1},)"
                       R"({"name":"b","ph":"E","ts":2,"pid":1,"tid":1}]})"},
      {"time goes back", R"({"traceEvents":[{"name":"a","ph":"i","s":"t","ts":5,"pid":1,"tid":1},)"
                         R"({"name":"b","ph":"i","s":"t","ts":4,"pid":1,"tid":1}]})"},
      {"counter text",
       R"({"traceEvents":[{"name":"c","ph":"C","ts":1,"pid":1,"tid":0,"args":{"v":"x"}}]})"},
      {"no pid", R"({"traceEvents":[{"name":"a","ph":"i","s":"t","ts":1,"tid":1}]})"},
      {"instant scope", R"({"traceEvents":[{"name":"a","ph":"i","ts":1,"pid":1,"tid":1}]})"},
      {"overlap", R"({"traceEvents":[{"name":"a","ph":"X","ts":0,"dur":10,"pid":1,"tid":1},)"
                  R"({"name":"b","ph":"X","ts":5,"dur":10,"pid":1,"tid":1}]})"},
  };
  for (const auto& [label, text] : bad) {
    EXPECT_FALSE(TraceFormatErrors(Parse(text)).empty()) << label;
  }
  const std::string good = R"({"traceEvents":[{"name":"a","ph":"B","ts":1,"pid":1,"tid":1},)"
                           R"({"name":"x","ph":"X","ts":1,"dur":2,"pid":1,"tid":1},)"
                           R"({"name":"y","ph":"X","ts":1.5,"dur":1,"pid":1,"tid":1},)"
                           R"({"name":"a","ph":"E","ts":4,"pid":1,"tid":1}]})";
  EXPECT_TRUE(TraceFormatErrors(Parse(good)).empty());
}

// --- the exporter ------------------------------------------------------------

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kBase = 1 * kSecond;

AllocRecord Alloc(uint64_t ts, bool unsafe, uint64_t cgroup_id, const std::string& cgroup) {
  AllocRecord a;
  a.ts_ns = ts;
  a.allocator = Allocator::kPercpu;
  a.is_atomic = !unsafe;
  a.gfp_raw = unsafe ? kGfpKernelMask : kGfpNowaitMask;
  a.context = kContextSubmit;
  a.site = "blkg_alloc";
  a.site_offset = "blkg_alloc+0x4f";
  a.cgroup_id = cgroup_id;
  a.cgroup = cgroup;
  a.pid = 4242;
  a.tid = 4243;
  a.comm = "qemu-kvm";
  a.bytes = 64;
  a.stack = {"pcpu_alloc_noprof+0x1a", "blkg_alloc+0x4f", "submit_bio+0x20"};
  return a;
}

BlkgRecord Blkg(uint64_t ts, uint64_t first_seen, uint64_t blkg_cgroup_id, uint64_t bios) {
  BlkgRecord b;
  b.ts_ns = ts;
  b.first_seen_ns = first_seen;
  b.cgroup_id = 10;
  b.cgroup = "/vm";
  b.dev_major = 7;
  b.disk = "loop0";
  b.blkg_cgroup_id = blkg_cgroup_id;
  b.blkg_cgroup = blkg_cgroup_id == 10 ? "/vm" : "/";
  b.online = true;
  b.has_stats = true;
  b.bios = bios;
  b.bytes = bios * 4096;
  return b;
}

WqRecord Wq(uint64_t ts, uint64_t queued, uint64_t executed) {
  WqRecord w;
  w.ts_ns = ts;
  w.function = "loop_workfn";
  w.queued = queued;
  w.activated = queued;
  w.executed = executed;
  w.latency_log2 = std::vector<uint64_t>(13, 0);
  w.latency_log2[12] = executed;  // [4096, 8192) ns
  w.runtime_log2 = std::vector<uint64_t>(14, 0);
  w.runtime_log2[13] = executed;
  return w;
}

// A cgroup whose first bios fell back to the root, then got its own blkg;
// a work function; allocations; a cgroup that only saw a failed allocation.
std::string SyntheticTrace() {
  PerfettoTrace trace;
  CaptureHeader header;
  header.tool_version = "0.1.0";
  header.host = "node1";
  header.kernel = "6.18.0";
  header.start_monotonic_ns = kBase;
  trace.Add(Record(header));
  trace.Add(Record(Alloc(kBase + kSecond / 2, /*unsafe=*/true, 10, "/vm")));
  trace.Add(Record(Alloc(kBase + 6 * kSecond / 10, /*unsafe=*/false, 10, "/vm")));
  // Snapshot at 2s.
  trace.Add(Record(Blkg(2 * kSecond, kBase + kSecond / 5, 1, 80)));
  trace.Add(Record(Wq(2 * kSecond, 100, 100)));
  LostRecord lost;
  lost.ts_ns = 2 * kSecond;
  lost.counts = {{"alloc", 0}};
  trace.Add(Record(lost));
  // Snapshot at 3s: the own blkg appears.
  trace.Add(Record(Blkg(3 * kSecond, 2 * kSecond + kSecond / 2, 10, 50)));
  AllocRecord failed = Alloc(3 * kSecond + kSecond / 2, /*unsafe=*/false, 20, "/db");
  failed.failed = true;
  trace.Add(Record(failed));
  // Snapshot at 4s, then the summary.
  trace.Add(Record(Blkg(4 * kSecond, 2 * kSecond + kSecond / 2, 10, 150)));
  trace.Add(Record(Wq(4 * kSecond, 300, 290)));
  lost.ts_ns = 4 * kSecond;
  lost.counts = {{"alloc", 2}};
  trace.Add(Record(lost));
  CaptureSummary summary;
  summary.ts_ns = 4 * kSecond;
  trace.Add(Record(summary));
  return trace.Finish();
}

struct Seen {
  std::string ph;
  double ts = 0;
  double dur = 0;
  int64_t pid = 0;
  int64_t tid = 0;
  const JsonValue* args = nullptr;
};

std::vector<Seen> Named(const JsonValue& trace, const std::string& name) {
  std::vector<Seen> out;
  for (const JsonValue& e : *trace.Find("traceEvents")->AsArray()) {
    if (*e.Find("name")->AsString() != name) continue;
    Seen s;
    s.ph = *e.Find("ph")->AsString();
    s.ts = *e.Find("ts")->AsDouble();
    if (const JsonValue* dur = e.Find("dur")) s.dur = *dur->AsDouble();
    s.pid = *e.Find("pid")->AsInt64();
    s.tid = *e.Find("tid")->AsInt64();
    s.args = e.Find("args");
    out.push_back(s);
  }
  return out;
}

double Arg(const Seen& s, const std::string& key) {
  const JsonValue* v = s.args != nullptr ? s.args->Find(key) : nullptr;
  return v != nullptr && v->is_number() ? *v->AsDouble() : -1;
}

int64_t PidOfProcess(const JsonValue& trace, const std::string& process) {
  for (const Seen& m : Named(trace, "process_name")) {
    if (*m.args->Find("name")->AsString() == process) return m.pid;
  }
  return -1;
}

TEST(PerfettoTrace, IsAValidTraceEventFile) {
  const std::string text = SyntheticTrace();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const JsonValue trace = Parse(text);
  const std::vector<std::string> errors = TraceFormatErrors(trace);
  EXPECT_TRUE(errors.empty()) << errors.front() << "\n" << text;
  EXPECT_EQ(*trace.Find("displayTimeUnit")->AsString(), "ns");
  const JsonValue* metadata = trace.Find("metadata");
  ASSERT_NE(metadata, nullptr);
  EXPECT_EQ(*metadata->Find("schema")->AsInt64(), kPerfettoTraceSchema);
  EXPECT_EQ(*metadata->Find("ts_base_monotonic_ns")->AsUint64(), kBase);
  EXPECT_EQ(*metadata->Find("host")->AsString(), "node1");
  const JsonValue::Array& levels = *metadata->Find("readiness_levels")->AsArray();
  ASSERT_EQ(levels.size(), 4u);
  for (Readiness r :
       {Readiness::kReady, Readiness::kPending, Readiness::kFallback, Readiness::kFailed}) {
    EXPECT_EQ(*levels[ReadinessLevel(r)].AsString(), ReadinessName(r));
  }
}

TEST(PerfettoTrace, EmptyCaptureIsAValidTrace) {
  PerfettoTrace trace;
  const JsonValue parsed = Parse(trace.Finish());
  EXPECT_TRUE(TraceFormatErrors(parsed).empty());
}

TEST(PerfettoTrace, AllocationsAreInstantsWithVerdictAndStack) {
  const JsonValue trace = Parse(SyntheticTrace());
  const int64_t vm = PidOfProcess(trace, "cgroup /vm");
  ASSERT_GT(vm, 0);
  const std::vector<Seen> unsafe = Named(trace, "UNSAFE blkg_alloc");
  ASSERT_EQ(unsafe.size(), 1u);
  EXPECT_EQ(unsafe[0].ph, "i");
  EXPECT_EQ(unsafe[0].ts, 500'000);  // µs after the capture's start
  EXPECT_EQ(unsafe[0].pid, vm);
  EXPECT_EQ(unsafe[0].tid, 4243);
  EXPECT_EQ(*unsafe[0].args->Find("verdict")->AsString(), "UNSAFE");
  EXPECT_EQ(*unsafe[0].args->Find("gfp")->AsString(), "GFP_KERNEL");
  const JsonValue::Array& stack = *unsafe[0].args->Find("stack")->AsArray();
  ASSERT_EQ(stack.size(), 3u);
  EXPECT_EQ(*stack[0].AsString(), "pcpu_alloc_noprof+0x1a");
  const std::vector<Seen> atomic = Named(trace, "atomic blkg_alloc");
  ASSERT_EQ(atomic.size(), 1u);
  EXPECT_EQ(atomic[0].ts, 600'000);
  const std::vector<Seen> failed = Named(trace, "atomic blkg_alloc (failed)");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].pid, PidOfProcess(trace, "cgroup /db"));
  // The task's track is named after it.
  bool named = false;
  for (const Seen& m : Named(trace, "thread_name")) {
    if (m.pid == vm && m.tid == 4243) named = *m.args->Find("name")->AsString() == "qemu-kvm 4243";
  }
  EXPECT_TRUE(named);
}

TEST(PerfettoTrace, BiosPerSecondSpreadsEachSnapshotOverItsInterval) {
  const JsonValue trace = Parse(SyntheticTrace());
  const std::vector<Seen> rates = Named(trace, "loop0 bios/s");
  // 80 bios to the root between the first bio (1.2s) and the 2s snapshot;
  // 50 own bios in (2s, 3s]; 100 in (3s, 4s]; then nothing.
  ASSERT_EQ(rates.size(), 4u);
  const double expected[][3] = {
      {200'000, 0, 100}, {1'000'000, 50, 0}, {2'000'000, 100, 0}, {3'000'000, 0, 0}};
  for (size_t i = 0; i < rates.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(rates[i].ph, "C");
    EXPECT_EQ(rates[i].pid, PidOfProcess(trace, "cgroup /vm"));
    EXPECT_DOUBLE_EQ(rates[i].ts, expected[i][0]);
    EXPECT_DOUBLE_EQ(Arg(rates[i], "own"), expected[i][1]);
    EXPECT_DOUBLE_EQ(Arg(rates[i], "elsewhere"), expected[i][2]);
  }
}

TEST(PerfettoTrace, ReadinessIsACounterAndAnInstantPerChange) {
  const JsonValue trace = Parse(SyntheticTrace());
  const std::vector<Seen> level = Named(trace, "loop0 readiness");
  ASSERT_EQ(level.size(), 2u);
  EXPECT_EQ(level[0].ts, 200'000);  // from the first bio
  EXPECT_EQ(Arg(level[0], "state"), ReadinessLevel(Readiness::kFallback));
  EXPECT_EQ(level[1].ts, 2'000'000);  // the snapshot that saw the own blkg
  EXPECT_EQ(Arg(level[1], "state"), ReadinessLevel(Readiness::kReady));
  const std::vector<Seen> fallback = Named(trace, "loop0: fallback");
  const std::vector<Seen> ready = Named(trace, "loop0: ready");
  ASSERT_EQ(fallback.size(), 1u);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(fallback[0].ph, "i");
  EXPECT_EQ(ready[0].ts, 2'000'000);
  EXPECT_EQ(fallback[0].tid, ready[0].tid);
  // A cgroup known only from a failed allocation: failed, disk unknown.
  const std::vector<Seen> failed = Named(trace, "?: failed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].pid, PidOfProcess(trace, "cgroup /db"));
  const std::vector<Seen> failed_level = Named(trace, "? readiness");
  ASSERT_EQ(failed_level.size(), 1u);
  EXPECT_EQ(Arg(failed_level[0], "state"), ReadinessLevel(Readiness::kFailed));
}

TEST(PerfettoTrace, WorkFunctionsHaveRatesAndOneSlicePerActiveInterval) {
  const JsonValue trace = Parse(SyntheticTrace());
  const int64_t wq = PidOfProcess(trace, "workqueues");
  ASSERT_GT(wq, 0);
  const std::vector<Seen> first = Named(trace, "100 executed");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].ph, "X");
  EXPECT_EQ(first[0].pid, wq);
  EXPECT_EQ(first[0].ts, 0);  // from the capture's start to the 2s snapshot
  EXPECT_EQ(first[0].dur, 1'000'000);
  EXPECT_EQ(Arg(first[0], "queued"), 100);
  EXPECT_EQ(Arg(first[0], "latency_p99_ns"), 8192);
  const std::vector<Seen> second = Named(trace, "190 executed");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].ts, 2'000'000);  // (3s, 4s]: 3s was the latest snapshot
  EXPECT_EQ(second[0].dur, 1'000'000);
  EXPECT_EQ(second[0].tid, first[0].tid);
  const std::vector<Seen> rates = Named(trace, "loop_workfn");
  std::vector<std::tuple<double, double, double>> got;
  for (const Seen& r : rates) {
    if (r.ph == "C") got.emplace_back(r.ts, Arg(r, "queued/s"), Arg(r, "executed/s"));
  }
  const std::vector<std::tuple<double, double, double>> expected = {
      {0, 100, 100}, {1'000'000, 0, 0}, {2'000'000, 200, 190}, {3'000'000, 0, 0}};
  EXPECT_EQ(got, expected);
}

TEST(PerfettoTrace, LostEventsAreACounter) {
  const JsonValue trace = Parse(SyntheticTrace());
  const std::vector<Seen> lost = Named(trace, "lost events");
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_EQ(lost[0].pid, PidOfProcess(trace, "submitwatch"));
  EXPECT_EQ(Arg(lost[1], "alloc"), 2);
}

TEST(JsonWriterDecimal, WritesExactFixedPoint) {
  const auto decimal = [](uint64_t units, int scale) {
    JsonWriter w;
    w.Decimal(units, scale);
    return w.Take();
  };
  EXPECT_EQ(decimal(1234567891, 3), "1234567.891");
  EXPECT_EQ(decimal(1500, 3), "1.5");
  EXPECT_EQ(decimal(5000, 3), "5");
  EXPECT_EQ(decimal(7, 3), "0.007");
  EXPECT_EQ(decimal(0, 3), "0");
  EXPECT_EQ(decimal(18446744073709551615ull, 3), "18446744073709551.615");
}

}  // namespace
}  // namespace submitwatch
