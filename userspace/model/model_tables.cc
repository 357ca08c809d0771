// The allocation and workqueue tables of Model, built when a sink asks (a
// TUI frame, a report). The cgroup table is in cgroup_rows.cc.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "model/counter_delta.h"
#include "model/gfp.h"
#include "model/histogram.h"
#include "model/model.h"
#include "model/verdict.h"

namespace submitwatch {
namespace {

using model_internal::AllocKey;

// Eight bytes of `s` from `offset` as a big-endian number, zero past its
// end. Where two keys differ they order their strings as std::string's <
// does (bytes compared unsigned, a shorter string first); equal keys decide
// nothing.
uint64_t OrderKey(std::string_view s, size_t offset) {
  uint64_t key = 0;
  for (size_t i = 0; i < 8; ++i) {
    const size_t at = offset + i;
    key = (key << 8) | (at < s.size() ? static_cast<unsigned char>(s[at]) : 0u);
  }
  return key;
}

// Shortens `common`, the length of a prefix of `first`, to the part that
// `s` shares: folded over a set of strings, where their keys should start
// (the cgroup paths of one host share a long one).
size_t CommonPrefix(std::string_view first, std::string_view s, size_t common) {
  const size_t limit = std::min({common, s.size(), first.size()});
  size_t i = 0;
  while (i < limit && s[i] == first[i]) ++i;
  return i;
}

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
  //
  // Compared by numbers read once from each group (OrderKey), and by its
  // strings only where those tie: comparing the strings chased two pointers
  // per comparison, 7 % of the report of a capture of 350,000 short-lived
  // cgroups. A site's number is its rank among the few sites.
  using Group = std::pair<const AllocKey, AllocGroup>;
  struct Ranked {
    bool unsafe;
    uint64_t count;
    uint32_t site;
    uint64_t cgroup;  // OrderKey
    const Group* group;
  };
  absl::flat_hash_map<absl::string_view, uint32_t> sites;
  size_t common = allocs_.empty() ? 0 : allocs_.begin()->first.cgroup.size();
  for (const Group& group : allocs_) {
    sites.try_emplace(group.first.site, 0);
    common = CommonPrefix(allocs_.begin()->first.cgroup, group.first.cgroup, common);
  }
  std::vector<absl::string_view> site_order;
  site_order.reserve(sites.size());
  for (const auto& [site, rank] : sites) site_order.push_back(site);
  std::sort(site_order.begin(), site_order.end());
  for (size_t i = 0; i < site_order.size(); ++i) sites[site_order[i]] = static_cast<uint32_t>(i);
  std::vector<Ranked> order;
  order.reserve(allocs_.size());
  for (const Group& group : allocs_) {
    const AllocKey& key = group.first;
    order.push_back({key.verdict == Verdict::kUnsafe, group.second.count, sites[key.site],
                     OrderKey(key.cgroup, common), &group});
  }
  std::sort(order.begin(), order.end(), [](const Ranked& x, const Ranked& y) {
    if (x.unsafe != y.unsafe) return x.unsafe;
    if (x.count != y.count) return x.count > y.count;
    if (x.site != y.site) return x.site < y.site;
    if (x.cgroup != y.cgroup) return x.cgroup < y.cgroup;
    const AllocKey& a = x.group->first;
    const AllocKey& b = y.group->first;
    return std::tie(a.site, a.cgroup, a.comm, a.allocator, a.verdict) <
           std::tie(b.site, b.cgroup, b.comm, b.allocator, b.verdict);
  });
  std::vector<AllocRow> rows(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const AllocKey& key = order[i].group->first;
    const AllocGroup& group = order[i].group->second;
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
