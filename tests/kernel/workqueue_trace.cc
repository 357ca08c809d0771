#include "workqueue_trace.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace submitwatch::testing {
namespace {

struct Event {
  uint64_t ts_ns = 0;
  int cpu = -1;
  absl::string_view name;      // "workqueue_queue_work", ...
  absl::string_view work;      // the item's address as printed (hashed %p)
  absl::string_view function;  // empty where the event has none
};

// The timestamp of a line, the last word before its event name at name_at:
// "  sh-12  [001] .....  1234.567890: tracing_mark_write: ...".
bool TimestampBefore(absl::string_view line, size_t name_at, uint64_t* ts_ns) {
  const size_t close = line.find("] ");
  if (close == absl::string_view::npos || close > name_at) return false;
  absl::string_view head = line.substr(close + 1, name_at - close - 1);
  head = head.substr(head.rfind(' ') + 1);
  const size_t dot = head.find('.');
  uint64_t sec = 0, usec = 0;
  if (dot == absl::string_view::npos || !absl::SimpleAtoi(head.substr(0, dot), &sec) ||
      !absl::SimpleAtoi(head.substr(dot + 1), &usec)) {
    return false;
  }
  *ts_ns = sec * 1'000'000'000 + usec * 1'000;
  return true;
}

// "  kworker/u4:2-57  [001] d..2.  1234.567890: workqueue_queue_work: work
// struct=0000000012345678 function=loop_workfn workqueue=loop0 ..." (the
// start and end events print "work struct 00000000...: function f").
bool ParseLine(absl::string_view line, Event* e) {
  const size_t open = line.find(" [");
  if (open == absl::string_view::npos) return false;
  const size_t close = line.find(']', open);
  if (close == absl::string_view::npos) return false;
  if (!absl::SimpleAtoi(line.substr(open + 2, close - open - 2), &e->cpu)) return false;
  const size_t name_at = line.find(": workqueue_", close);
  if (name_at == absl::string_view::npos || !TimestampBefore(line, name_at, &e->ts_ns)) {
    return false;
  }
  absl::string_view rest = line.substr(name_at + 2);
  const size_t colon = rest.find(':');
  if (colon == absl::string_view::npos) return false;
  e->name = rest.substr(0, colon);
  rest = rest.substr(colon + 1);
  const size_t work_at = rest.find("work struct");
  if (work_at == absl::string_view::npos) return false;
  absl::string_view work = rest.substr(work_at + 12);  // past "work struct" and '=' or ' '
  work = work.substr(0, work.find_first_of(" :"));
  e->work = work;
  e->function = {};
  const size_t fn_at = rest.find("function");
  if (fn_at != absl::string_view::npos) {
    absl::string_view fn = rest.substr(fn_at + 9);  // past "function" and '=' or ' '
    e->function = absl::StripAsciiWhitespace(fn.substr(0, fn.find(' ')));
  }
  return !e->work.empty();
}

}  // namespace

std::map<std::string, TracedWorkFunction> ParseWorkqueueTrace(absl::string_view text,
                                                               uint64_t from_ns, uint64_t to_ns) {
  std::vector<Event> events;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    Event e;
    if (ParseLine(line, &e) && e.ts_ns >= from_ns && e.ts_ns <= to_ns) events.push_back(e);
  }
  // tracefs prints each CPU's buffer merged by time; stable, so events of
  // one timestamp keep the kernel's order.
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.ts_ns < b.ts_ns; });

  std::map<std::string, TracedWorkFunction> out;
  absl::flat_hash_map<absl::string_view, uint64_t> queued_at;  // by work item, not yet started
  struct Running {
    uint64_t start_ns;
    absl::string_view function;
  };
  // By item: one never runs twice at once, and a worker of an unbound
  // workqueue may end an item on another CPU than it started it.
  absl::flat_hash_map<absl::string_view, Running> running;
  for (const Event& e : events) {
    if (e.name == "workqueue_queue_work") {
      ++out[std::string(e.function)].queued;
      queued_at[e.work] = e.ts_ns;
    } else if (e.name == "workqueue_execute_start") {
      TracedWorkFunction& f = out[std::string(e.function)];
      ++f.executed;
      if (auto q = queued_at.find(e.work); q != queued_at.end()) {
        const uint64_t latency = e.ts_ns - q->second;
        ++f.latencies;
        f.latency_sum_ns += latency;
        f.latency_max_ns = std::max(f.latency_max_ns, latency);
        queued_at.erase(q);
      }
      running[e.work] = Running{e.ts_ns, e.function};
    } else if (e.name == "workqueue_execute_end") {
      if (auto r = running.find(e.work); r != running.end()) {
        TracedWorkFunction& f = out[std::string(r->second.function)];
        ++f.runtimes;
        f.runtime_sum_ns += e.ts_ns - r->second.start_ns;
        running.erase(r);
      }
    }
  }
  return out;
}

std::optional<uint64_t> MarkerTimeNs(absl::string_view text, absl::string_view marker) {
  constexpr absl::string_view kMark = ": tracing_mark_write: ";
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const size_t at = line.find(kMark);
    if (at == absl::string_view::npos ||
        absl::StripTrailingAsciiWhitespace(line.substr(at + kMark.size())) != marker) {
      continue;
    }
    uint64_t ts_ns = 0;
    if (TimestampBefore(line, at, &ts_ns)) return ts_ns;
  }
  return std::nullopt;
}

}  // namespace submitwatch::testing
