// The allocation and workqueue tables of Model, built when a sink asks (a
// TUI frame, a report). The cgroup table is in cgroup_rows.cc.
#include <algorithm>
#include <optional>
#include <string>
#include <tuple>

#include "model/counter_delta.h"
#include "model/gfp.h"
#include "model/histogram.h"
#include "model/model.h"
#include "model/verdict.h"

namespace submitwatch {
namespace {

using model_internal::AllocKey;

}  // namespace

std::vector<AllocCount> Model::AllocCounts() const {
  std::vector<AllocCount> counts;
  counts.reserve(allocs_.size());
  for (const auto& [key, group] : allocs_) {
    counts.push_back({key.site, key.allocator, key.verdict, group.cgroup_id, group.count,
                      group.failed, group.bytes});
  }
  return counts;
}

std::vector<AllocRow> Model::AllocRows() const {
  // Ordered before the rows are made, so each row is built in its place:
  // sorting the rows themselves moved every one of them a few dozen times,
  // which with 100,000 groups (a capture of many short-lived cgroups) was
  // most of a report.
  using Group = std::pair<const AllocKey, AllocGroup>;
  std::vector<const Group*> order;
  order.reserve(allocs_.size());
  for (const Group& group : allocs_) order.push_back(&group);
  std::sort(order.begin(), order.end(), [](const Group* x, const Group* y) {
    const AllocKey& a = x->first;
    const AllocKey& b = y->first;
    const bool a_unsafe = a.verdict == Verdict::kUnsafe;
    const bool b_unsafe = b.verdict == Verdict::kUnsafe;
    if (a_unsafe != b_unsafe) return a_unsafe;
    if (x->second.count != y->second.count) return x->second.count > y->second.count;
    return std::tie(a.site, a.cgroup, a.comm, a.allocator, a.verdict) <
           std::tie(b.site, b.cgroup, b.comm, b.allocator, b.verdict);
  });
  std::vector<AllocRow> rows(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const AllocKey& key = order[i]->first;
    const AllocGroup& group = order[i]->second;
    AllocRow& row = rows[i];
    row.verdict = key.verdict;
    row.site = key.site;
    row.allocator = key.allocator;
    row.cgroup = key.cgroup;
    row.comm = key.comm;
    row.count = group.count;
    row.failed = group.failed;
    row.bytes = group.bytes;
    row.cgroup_id = group.cgroup_id;
    row.site_offset = group.site_offset;
    row.gfp_raw = group.gfp_raw;
    row.gfp = GfpText(group.gfp_raw);
    row.effective_gfp_raw = EffectiveGfp(group.gfp_raw, group.task_flags);
    row.effective_gfp = GfpText(row.effective_gfp_raw);
    row.task_flags = group.task_flags;
    row.context = group.context;
    row.work_func = group.work_func;
    row.context_text = ContextText(group.context, group.work_func);
    row.first_ns = group.first_ns;
    row.last_ns = group.last_ns;
    row.pids = group.pids;
    row.stacks.reserve(group.stacks.size());
    for (const StackSlot& slot : group.stacks) {
      row.stacks.push_back({stacks_.Get(slot.id), slot.count, slot.user});
    }
    // Stable: equal counts keep first-seen order.
    std::stable_sort(row.stacks.begin(), row.stacks.end(),
                     [](const StackCount& a, const StackCount& b) { return a.count > b.count; });
    row.other_stacks = group.other_stacks;
  }
  return rows;
}

std::vector<WqRow> Model::WqRows() const {
  // Ordered before the rows are made, so each row is built in its place.
  struct Ranked {
    uint64_t executed;  // since Clear()
    const std::string* function;
    const WqEntry* entry;
  };
  std::vector<Ranked> ranked;
  ranked.reserve(wqs_.size());
  for (const auto& [function, entry] : wqs_) {
    const WqRecord& r = entry.latest;
    if (!entry.baseline) {
      ranked.push_back({r.executed, &function, &entry});
      continue;
    }
    const WqRecord& base = *entry.baseline;
    const uint64_t executed = CounterDelta(r.executed, base.executed);
    if (CounterDelta(r.queued, base.queued) == 0 && CounterDelta(r.activated, base.activated) == 0 &&
        executed == 0) {
      continue;
    }
    ranked.push_back({executed, &function, &entry});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.executed != b.executed) return a.executed > b.executed;
    return *a.function < *b.function;
  });

  // A conversion, so that emplace_back builds the row in its place rather
  // than zeroing it there first.
  struct Row {
    const Ranked& k;

    operator WqRow() const {
      const WqRecord& r = k.entry->latest;
      const std::optional<WqRecord>& base = k.entry->baseline;
      WqRow row;
      row.function = *k.function;
      row.executed = k.executed;
      if (base) {
        row.queued = CounterDelta(r.queued, base->queued);
        row.activated = CounterDelta(r.activated, base->activated);
        row.latency_log2 = Log2Subtract(r.latency_log2, base->latency_log2);
        row.runtime_log2 = Log2Subtract(r.runtime_log2, base->runtime_log2);
        row.latency_sum_ns = CounterDelta(r.latency_sum_ns, base->latency_sum_ns);
        row.runtime_sum_ns = CounterDelta(r.runtime_sum_ns, base->runtime_sum_ns);
        // The kernel's max covers the time before Clear() too; the histogram
        // since then bounds the max of this period.
        const uint64_t latency_bound = Log2Max(row.latency_log2);
        const uint64_t runtime_bound = Log2Max(row.runtime_log2);
        row.latency_max_ns = r.latency_max_ns != 0 ? std::min(r.latency_max_ns, latency_bound)
                                                   : latency_bound;
        row.runtime_max_ns = r.runtime_max_ns != 0 ? std::min(r.runtime_max_ns, runtime_bound)
                                                   : runtime_bound;
      } else {
        row.queued = r.queued;
        row.activated = r.activated;
        row.latency_log2 = r.latency_log2;
        row.runtime_log2 = r.runtime_log2;
        row.latency_sum_ns = r.latency_sum_ns;
        row.runtime_sum_ns = r.runtime_sum_ns;
        row.latency_max_ns = r.latency_max_ns != 0 ? r.latency_max_ns : Log2Max(r.latency_log2);
        row.runtime_max_ns = r.runtime_max_ns != 0 ? r.runtime_max_ns : Log2Max(r.runtime_log2);
      }
      // A bucket's upper bound can exceed the true maximum; never report a
      // percentile above the max the kernel measured.
      const auto capped = [](uint64_t p, uint64_t max) { return max != 0 ? std::min(p, max) : p; };
      const Log2P50P99 latency = Log2Percentiles(row.latency_log2);
      const Log2P50P99 runtime = Log2Percentiles(row.runtime_log2);
      row.latency_p50_ns = capped(latency.p50, row.latency_max_ns);
      row.latency_p99_ns = capped(latency.p99, row.latency_max_ns);
      row.runtime_p50_ns = capped(runtime.p50, row.runtime_max_ns);
      row.runtime_p99_ns = capped(runtime.p99, row.runtime_max_ns);
      row.allocates_percpu = k.entry->allocates_percpu;
      row.last_ts_ns = r.ts_ns;
      return row;
    }
  };
  std::vector<WqRow> rows;
  rows.reserve(ranked.size());
  for (const Ranked& k : ranked) rows.emplace_back(Row{k});
  return rows;
}

}  // namespace submitwatch
