// The allocation and workqueue tables of Model, built when a sink asks (a
// TUI frame, a report). The cgroup table is in cgroup_rows.cc.
#include <algorithm>
#include <tuple>

#include "model/gfp.h"
#include "model/histogram.h"
#include "model/model.h"
#include "model/verdict.h"

namespace submitwatch {
namespace {

using model_internal::AllocKey;

uint64_t Delta(uint64_t now, uint64_t base) { return now >= base ? now - base : now; }

}  // namespace

std::vector<AllocRow> Model::AllocRows() const {
  std::vector<AllocRow> rows;
  rows.reserve(allocs_.size());
  for (const auto& [key, group] : allocs_) {
    AllocRow row;
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
      row.stacks.push_back({stacks_.Get(slot.id), slot.count});
    }
    // Stable: equal counts keep first-seen order.
    std::stable_sort(row.stacks.begin(), row.stacks.end(),
                     [](const StackCount& a, const StackCount& b) { return a.count > b.count; });
    row.other_stacks = group.other_stacks;
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const AllocRow& a, const AllocRow& b) {
    const bool a_unsafe = a.verdict == Verdict::kUnsafe;
    const bool b_unsafe = b.verdict == Verdict::kUnsafe;
    if (a_unsafe != b_unsafe) return a_unsafe;
    if (a.count != b.count) return a.count > b.count;
    return std::tie(a.site, a.cgroup, a.comm, a.allocator, a.verdict) <
           std::tie(b.site, b.cgroup, b.comm, b.allocator, b.verdict);
  });
  return rows;
}

std::vector<WqRow> Model::WqRows() const {
  std::vector<WqRow> rows;
  rows.reserve(wqs_.size());
  for (const auto& [function, entry] : wqs_) {
    const WqRecord& r = entry.latest;
    WqRow row;
    row.function = function;
    row.last_ts_ns = r.ts_ns;
    uint64_t latency_max = r.latency_max_ns;
    uint64_t runtime_max = r.runtime_max_ns;
    if (entry.baseline) {
      const WqRecord& base = *entry.baseline;
      row.queued = Delta(r.queued, base.queued);
      row.activated = Delta(r.activated, base.activated);
      row.executed = Delta(r.executed, base.executed);
      if (row.queued == 0 && row.activated == 0 && row.executed == 0) continue;
      row.latency_log2 = Log2Subtract(r.latency_log2, base.latency_log2);
      row.runtime_log2 = Log2Subtract(r.runtime_log2, base.runtime_log2);
      // The kernel's max covers the time before Clear() too; the histogram
      // since then bounds the max of this period.
      const uint64_t lat_bound = Log2Max(row.latency_log2);
      const uint64_t run_bound = Log2Max(row.runtime_log2);
      latency_max = latency_max != 0 ? std::min(latency_max, lat_bound) : lat_bound;
      runtime_max = runtime_max != 0 ? std::min(runtime_max, run_bound) : run_bound;
    } else {
      row.queued = r.queued;
      row.activated = r.activated;
      row.executed = r.executed;
      row.latency_log2 = r.latency_log2;
      row.runtime_log2 = r.runtime_log2;
      if (latency_max == 0) latency_max = Log2Max(row.latency_log2);
      if (runtime_max == 0) runtime_max = Log2Max(row.runtime_log2);
    }
    row.latency_max_ns = latency_max;
    row.runtime_max_ns = runtime_max;
    // A bucket's upper bound can exceed the true maximum; never report a
    // percentile above the max the kernel measured.
    const auto capped = [](uint64_t p, uint64_t max) { return max != 0 ? std::min(p, max) : p; };
    row.latency_p50_ns = capped(Log2Percentile(row.latency_log2, 50), latency_max);
    row.latency_p99_ns = capped(Log2Percentile(row.latency_log2, 99), latency_max);
    row.runtime_p50_ns = capped(Log2Percentile(row.runtime_log2, 50), runtime_max);
    row.runtime_p99_ns = capped(Log2Percentile(row.runtime_log2, 99), runtime_max);
    row.allocates_percpu = percpu_work_funcs_.contains(function);
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const WqRow& a, const WqRow& b) {
    if (a.executed != b.executed) return a.executed > b.executed;
    return a.function < b.function;
  });
  return rows;
}

}  // namespace submitwatch
