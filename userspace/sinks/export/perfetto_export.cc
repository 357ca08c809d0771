#include "sinks/export/perfetto_export.h"

#include <algorithm>
#include <functional>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "capture/json_writer.h"
#include "model/counter_delta.h"
#include "model/gfp.h"
#include "model/histogram.h"
#include "model/names.h"
#include "model/verdict.h"

namespace submitwatch {
namespace {

// Track ids. Processes are synthetic; an allocating task keeps its real tid
// as its thread id inside its cgroup's process. The readiness thread's id is
// above PID_MAX_LIMIT (2^22), so it cannot collide with a task.
constexpr uint32_t kToolPid = 1;
constexpr uint32_t kWorkqueuePid = 2;
constexpr uint32_t kFirstCgroupPid = 100;
constexpr uint64_t kReadinessTid = 1ull << 30;

std::string Str(std::string_view s) { return std::string(s); }

double PerSecond(uint64_t n, uint64_t interval_ns) {
  return interval_ns == 0 ? 0.0 : static_cast<double>(n) * 1e9 / static_cast<double>(interval_ns);
}

struct TraceEvent {
  char ph = 'i';
  std::string name;
  std::string_view cat;
  uint64_t ts_ns = 0;   // since the base
  uint64_t dur_ns = 0;  // 'X' only
  uint32_t pid = 0;
  uint64_t tid = 0;
  std::function<void(JsonWriter&)> args;  // writes the members of "args"
};

// One counter track: samples must come in time order.
struct CounterSeries {
  uint32_t pid = 0;
  std::string name;
  std::vector<std::string> keys;
  struct Interval {
    uint64_t start_ns;
    uint64_t end_ns;
    std::vector<double> values;
  };
  std::vector<Interval> intervals;

  // A rate holds from its interval's start; the track drops back to zero at
  // its end unless the next interval starts right there.
  void AppendTo(std::vector<TraceEvent>& events) const {
    for (size_t i = 0; i < intervals.size(); ++i) {
      const Interval& in = intervals[i];
      events.push_back(Event(in.start_ns, in.values));
      if (i + 1 < intervals.size() && intervals[i + 1].start_ns <= in.end_ns) continue;
      events.push_back(Event(in.end_ns, std::vector<double>(keys.size(), 0.0)));
    }
  }

  TraceEvent Event(uint64_t ts_ns, std::vector<double> values) const {
    TraceEvent e;
    e.ph = 'C';
    e.name = name;
    e.ts_ns = ts_ns;
    e.pid = pid;
    e.args = [keys = keys, values = std::move(values)](JsonWriter& w) {
      for (size_t i = 0; i < keys.size(); ++i) w.Field(keys[i], values[i]);
    };
    return e;
  }
};

TraceEvent Metadata(std::string_view kind, uint32_t pid, uint64_t tid, std::string value) {
  TraceEvent e;
  e.ph = 'M';
  e.name = Str(kind);
  e.pid = pid;
  e.tid = tid;
  e.args = [value = std::move(value)](JsonWriter& w) { w.Field("name", value); };
  return e;
}

TraceEvent SortIndex(std::string_view kind, uint32_t pid, uint64_t tid, int64_t index) {
  TraceEvent e;
  e.ph = 'M';
  e.name = Str(kind);
  e.pid = pid;
  e.tid = tid;
  e.args = [index](JsonWriter& w) { w.Field("sort_index", index); };
  return e;
}

void WriteEvent(JsonWriter& w, const TraceEvent& e) {
  w.BeginObject();
  w.Field("name", e.name);
  if (!e.cat.empty()) w.Field("cat", e.cat);
  w.Field("ph", std::string_view(&e.ph, 1));
  w.Key("ts");
  w.Decimal(e.ts_ns, 3);  // microseconds, exact to the nanosecond
  if (e.ph == 'X') {
    w.Key("dur");
    w.Decimal(e.dur_ns, 3);
  }
  if (e.ph == 'i') w.Field("s", "t");  // thread-scoped instant
  w.Field("pid", e.pid);
  w.Field("tid", e.tid);
  if (e.args) {
    w.Key("args");
    w.BeginObject();
    e.args(w);
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

int ReadinessLevel(Readiness state) {
  switch (state) {
    case Readiness::kReady:
      return 0;
    case Readiness::kPending:
      return 1;
    case Readiness::kFallback:
      return 2;
    case Readiness::kFailed:
      return 3;
  }
  return 3;
}

void PerfettoTrace::Add(const Record& record) {
  const BlkgRecord* blkg = std::get_if<BlkgRecord>(&record);
  if (burst_ts_ && (blkg == nullptr || blkg->ts_ns != *burst_ts_)) CloseBurst();
  model_.Add(record);
  if (model_.first_ts_ns() != 0) first_ts_ns_ = model_.first_ts_ns();

  if (const auto* header = std::get_if<CaptureHeader>(&record)) {
    header_ = *header;
    if (header->start_monotonic_ns != 0) ticks_.insert(header->start_monotonic_ns);
  } else if (const auto* alloc = std::get_if<AllocRecord>(&record)) {
    if (ClassifyAlloc(*alloc) != Verdict::kOutside) allocs_.push_back(*alloc);
  } else if (blkg != nullptr) {
    burst_ts_ = blkg->ts_ns;
    ticks_.insert(blkg->ts_ns);
  } else if (const auto* wq = std::get_if<WqRecord>(&record)) {
    work_[wq->function].push_back(*wq);
    ticks_.insert(wq->ts_ns);
  } else if (const auto* lost = std::get_if<LostRecord>(&record)) {
    lost_records_.push_back(*lost);
    ticks_.insert(lost->ts_ns);
  } else if (const auto* summary = std::get_if<CaptureSummary>(&record)) {
    // `record` takes its last snapshot at the summary's time.
    ticks_.insert(summary->ts_ns);
  }
}

PerfettoTrace::PairId PerfettoTrace::IdOf(const CgroupRow& row) {
  return {row.cgroup_id, row.kthread, row.dev_major, row.dev_minor};
}

PerfettoTrace::PairSeries& PerfettoTrace::SeriesOf(const CgroupRow& row) {
  PairSeries& series = pairs_[IdOf(row)];
  if (series.label.empty()) {
    series.cgroup = row.cgroup;
    series.label = row.disk.empty() ? absl::StrCat(row.dev_major, ":", row.dev_minor) : row.disk;
    if (row.kthread) absl::StrAppend(&series.label, Str(names::kKthreadSuffix));
  }
  if (series.first_io_ns == 0) series.first_io_ns = row.first_io_ns;
  return series;
}

void PerfettoTrace::CloseBurst() {
  const uint64_t ts = *burst_ts_;
  burst_ts_.reset();
  for (const CgroupRow& row : model_.CgroupRows()) {
    if (row.last_ts_ns != ts) continue;  // unchanged in this snapshot
    SeriesOf(row).samples.push_back({ts, row.own_bios, row.elsewhere_bios, row.state});
  }
}

// A state can change without a new blkg snapshot (an allocation failed after
// the last one), and a failure before any bio has no snapshot at all.
void PerfettoTrace::NoteFinalStates() {
  for (const CgroupRow& row : model_.CgroupRows()) {
    PairSeries& series = SeriesOf(row);
    if (!series.samples.empty() && series.samples.back().state == row.state) continue;
    if (!series.samples.empty() && row.last_ts_ns <= series.samples.back().ts_ns) {
      series.samples.back().state = row.state;
      continue;
    }
    PairSample sample;
    sample.ts_ns = row.last_ts_ns;
    sample.own_bios = row.own_bios;
    sample.elsewhere_bios = row.elsewhere_bios;
    sample.state = row.state;
    series.samples.push_back(sample);
  }
}

std::optional<uint64_t> PerfettoTrace::PreviousTick(uint64_t ts_ns) const {
  auto it = ticks_.lower_bound(ts_ns);
  if (it == ticks_.begin()) return std::nullopt;
  return *std::prev(it);
}

std::string PerfettoTrace::Finish() {
  if (burst_ts_) CloseBurst();
  NoteFinalStates();

  // Everything is placed relative to the earliest time the capture knows.
  uint64_t base = first_ts_ns_;
  const auto lower_base = [&base](uint64_t ts) {
    if (ts != 0 && (base == 0 || ts < base)) base = ts;
  };
  if (header_) lower_base(header_->start_monotonic_ns);
  for (const auto& [id, series] : pairs_) lower_base(series.first_io_ns);
  const auto rel = [&base](uint64_t ts) { return ts > base ? ts - base : 0; };

  std::vector<TraceEvent> events;

  // Processes and threads, named first so viewers label tracks before data.
  // Cgroups (sorted by path) first: they are what the trace is about.
  std::map<std::string, uint32_t> cgroup_pids;
  for (const auto& [id, series] : pairs_) cgroup_pids[series.cgroup] = 0;
  for (const AllocRecord& a : allocs_) cgroup_pids[a.cgroup] = 0;
  int64_t sort_index = 0;
  {
    uint32_t next = kFirstCgroupPid;
    for (auto& [cgroup, pid] : cgroup_pids) {
      pid = next++;
      events.push_back(
          Metadata("process_name", pid, 0, absl::StrCat(Str(names::kTraceCgroupPrefix), cgroup)));
      events.push_back(SortIndex("process_sort_index", pid, 0, sort_index++));
    }
  }
  if (!work_.empty()) {
    events.push_back(
        Metadata("process_name", kWorkqueuePid, 0, Str(names::kTraceWorkqueueProcess)));
    events.push_back(SortIndex("process_sort_index", kWorkqueuePid, 0, sort_index++));
  }
  events.push_back(Metadata("process_name", kToolPid, 0, Str(names::kTraceToolProcess)));
  events.push_back(SortIndex("process_sort_index", kToolPid, 0, sort_index++));
  std::set<uint32_t> readiness_threads;
  for (const auto& [id, series] : pairs_) readiness_threads.insert(cgroup_pids[series.cgroup]);
  for (uint32_t pid : readiness_threads) {
    events.push_back(
        Metadata("thread_name", pid, kReadinessTid, Str(names::kTraceReadinessThread)));
    events.push_back(SortIndex("thread_sort_index", pid, kReadinessTid, -1));
  }
  // A task's track is named after its latest comm.
  struct TaskTrack {
    uint32_t pid;  // the cgroup's process track
    uint64_t tid;
    bool operator<(const TaskTrack& o) const { return std::tie(pid, tid) < std::tie(o.pid, o.tid); }
  };
  std::map<TaskTrack, std::string> task_threads;
  for (const AllocRecord& a : allocs_) {
    task_threads[{cgroup_pids[a.cgroup], a.tid}] = absl::StrCat(a.comm, " ", a.tid);
  }
  for (const auto& [track, name] : task_threads) {
    events.push_back(Metadata("thread_name", track.pid, track.tid, name));
  }
  uint64_t work_tid = 1;
  std::map<std::string, uint64_t> work_tids;
  for (const auto& [function, records] : work_) {
    work_tids[function] = work_tid;
    events.push_back(Metadata("thread_name", kWorkqueuePid, work_tid, function));
    ++work_tid;
  }

  // Lost events: the cumulative counts as the capture has them.
  for (const LostRecord& lost : lost_records_) {
    TraceEvent e;
    e.ph = 'C';
    e.name = Str(names::kTraceLost);
    e.ts_ns = rel(lost.ts_ns);
    e.pid = kToolPid;
    e.args = [counts = lost.counts](JsonWriter& w) {
      for (const auto& [reason, n] : counts) w.Field(reason, n);
    };
    events.push_back(std::move(e));
  }

  // Work functions: a rate counter and one slice per active interval.
  for (auto& [function, records] : work_) {
    std::stable_sort(records.begin(), records.end(),
                     [](const WqRecord& a, const WqRecord& b) { return a.ts_ns < b.ts_ns; });
    CounterSeries rates;
    rates.pid = kWorkqueuePid;
    rates.name = function;
    rates.keys = {Str(names::kTraceQueuedPerSec), Str(names::kTraceExecutedPerSec)};
    WqRecord before;  // zeros: counting starts at attach
    uint64_t before_ts = 0;
    for (const WqRecord& r : records) {
      const std::optional<uint64_t> tick = PreviousTick(r.ts_ns);
      uint64_t start = std::max(tick.value_or(base), before_ts);
      if (start >= r.ts_ns) {
        before = r;
        before_ts = r.ts_ns;
        continue;
      }
      const uint64_t queued = CounterDelta(r.queued, before.queued);
      const uint64_t activated = CounterDelta(r.activated, before.activated);
      const uint64_t executed = CounterDelta(r.executed, before.executed);
      const uint64_t interval = r.ts_ns - start;
      if (queued != 0 || executed != 0) {
        rates.intervals.push_back({rel(start),
                                   rel(r.ts_ns),
                                   {PerSecond(queued, interval), PerSecond(executed, interval)}});
      }
      if (executed != 0) {
        const std::vector<uint64_t> latency = Log2Subtract(r.latency_log2, before.latency_log2);
        const std::vector<uint64_t> runtime = Log2Subtract(r.runtime_log2, before.runtime_log2);
        TraceEvent e;
        e.ph = 'X';
        e.name = absl::StrCat(executed, Str(names::kTraceExecutedSuffix));
        e.cat = "workqueue";
        e.ts_ns = rel(start);
        e.dur_ns = interval;
        e.pid = kWorkqueuePid;
        e.tid = work_tids[function];
        e.args = [function = function, queued, activated, executed,
                  lat50 = Log2Percentile(latency, 50), lat99 = Log2Percentile(latency, 99),
                  run50 = Log2Percentile(runtime, 50),
                  run99 = Log2Percentile(runtime, 99)](JsonWriter& w) {
          w.Field("function", function);
          w.Field("queued", queued);
          w.Field("activated", activated);
          w.Field("executed", executed);
          w.Field("latency_p50_ns", lat50);
          w.Field("latency_p99_ns", lat99);
          w.Field("runtime_p50_ns", run50);
          w.Field("runtime_p99_ns", run99);
        };
        events.push_back(std::move(e));
      }
      before = r;
      before_ts = r.ts_ns;
    }
    rates.AppendTo(events);
  }

  // Cgroup/disk pairs: bios/s and readiness.
  for (const auto& [id, series] : pairs_) {
    const uint32_t pid = cgroup_pids[series.cgroup];
    CounterSeries rates;
    rates.pid = pid;
    rates.name = absl::StrCat(series.label, " ", Str(names::kTraceBiosPerSec));
    rates.keys = {Str(names::kTraceOwn), Str(names::kTraceElsewhere)};
    uint64_t own_before = 0, elsewhere_before = 0, before_ts = 0;
    std::optional<Readiness> shown;
    for (size_t k = 0; k < series.samples.size(); ++k) {
      const PairSample& s = series.samples[k];
      uint64_t start;
      if (k == 0 && series.first_io_ns != 0 && series.first_io_ns < s.ts_ns) {
        start = series.first_io_ns;  // exact: the kernel stamped the first bio
      } else {
        start = std::max(PreviousTick(s.ts_ns).value_or(base), before_ts);
      }
      const uint64_t own = CounterDelta(s.own_bios, own_before);
      const uint64_t elsewhere = CounterDelta(s.elsewhere_bios, elsewhere_before);
      if (start < s.ts_ns && (own != 0 || elsewhere != 0)) {
        const uint64_t interval = s.ts_ns - start;
        rates.intervals.push_back(
            {rel(start), rel(s.ts_ns), {PerSecond(own, interval), PerSecond(elsewhere, interval)}});
      }
      if (!shown || *shown != s.state) {
        // The first state holds from the first bio (the blkg's state at
        // first sight); a change is placed at the snapshot that saw it.
        const uint64_t at = k == 0 && series.first_io_ns != 0 && series.first_io_ns <= s.ts_ns
                                ? series.first_io_ns
                                : s.ts_ns;
        TraceEvent level;
        level.ph = 'C';
        level.name = absl::StrCat(series.label, " ", Str(names::kTraceReadiness));
        level.ts_ns = rel(at);
        level.pid = pid;
        level.args = [value = ReadinessLevel(s.state)](JsonWriter& w) { w.Field("state", value); };
        events.push_back(std::move(level));
        TraceEvent change;
        change.ph = 'i';
        change.name = absl::StrCat(series.label, ": ", Str(ReadinessName(s.state)));
        change.cat = "readiness";
        change.ts_ns = rel(at);
        change.pid = pid;
        change.tid = kReadinessTid;
        change.args = [cgroup = series.cgroup, disk = series.label, s](JsonWriter& w) {
          w.Field("cgroup", cgroup);
          w.Field("disk", disk);
          w.Field("state", ReadinessName(s.state));
          w.Field("own_bios", s.own_bios);
          w.Field("elsewhere_bios", s.elsewhere_bios);
        };
        events.push_back(std::move(change));
        shown = s.state;
      }
      own_before = s.own_bios;
      elsewhere_before = s.elsewhere_bios;
      before_ts = s.ts_ns;
    }
    rates.AppendTo(events);
  }

  // Submit-path allocations, one instant each.
  for (const AllocRecord& a : allocs_) {
    const Verdict verdict = ClassifyAlloc(a);
    TraceEvent e;
    e.ph = 'i';
    e.name = absl::StrCat(Str(VerdictName(verdict)), " ", a.site,
                          a.failed ? Str(names::kTraceFailedSuffix) : "");
    e.cat = "alloc";
    e.ts_ns = rel(a.ts_ns);
    e.pid = cgroup_pids[a.cgroup];
    e.tid = a.tid;
    e.args = [&a, verdict](JsonWriter& w) {
      w.Field("verdict", VerdictName(verdict));
      w.Field("site", a.site_offset.empty() ? a.site : a.site_offset);
      w.Field("allocator", AllocatorName(a.allocator));
      w.Field("context", ContextText(a.context, a.work_func));
      w.Field("gfp", GfpText(a.gfp_raw));
      w.Field("effective_gfp", GfpText(EffectiveGfp(a.gfp_raw, a.task_flags)));
      w.Field("size", a.size);
      w.Field("bytes", a.bytes);
      w.Field("failed", a.failed);
      w.Field("cgroup", a.cgroup);
      w.Field("pid", a.pid);
      w.Field("tid", a.tid);
      w.Field("comm", a.comm);
      w.StringArray("stack", a.stack);
      if (!a.user_stack.empty() || !a.user_stack_fallback.empty()) {
        w.StringArray("user_stack", a.user_stack);
        w.Field("user_stack_fallback", a.user_stack_fallback);
      }
    };
    events.push_back(std::move(e));
  }

  // One order for every track: by time, metadata (ts 0, pushed first) first.
  std::stable_sort(events.begin(), events.end(),
                   [](const TraceEvent& a, const TraceEvent& b) { return a.ts_ns < b.ts_ns; });

  JsonWriter w;
  w.BeginObject();
  w.Field("displayTimeUnit", "ns");
  w.Key("metadata");
  w.BeginObject();
  w.Field("schema", kPerfettoTraceSchema);
  w.Field("format", "submitwatch-trace");
  if (header_) {
    w.Field("tool_version", header_->tool_version);
    w.Field("host", header_->host);
    w.Field("kernel", header_->kernel);
    w.Field("start_unix_ns", header_->start_unix_ns);
  }
  w.Field("ts_base_monotonic_ns", base);
  w.Key("readiness_levels");
  w.BeginArray();
  for (Readiness r :
       {Readiness::kReady, Readiness::kPending, Readiness::kFallback, Readiness::kFailed}) {
    w.String(ReadinessName(r));  // index == ReadinessLevel(r)
  }
  w.EndArray();
  w.EndObject();
  w.Key("traceEvents");
  w.BeginArray();
  for (const TraceEvent& e : events) WriteEvent(w, e);
  w.EndArray();
  w.EndObject();
  std::string out = w.Take();
  out.push_back('\n');
  return out;
}

}  // namespace submitwatch
