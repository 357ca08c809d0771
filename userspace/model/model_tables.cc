// The table builders of Model: run when a sink asks (a TUI refresh, a
// report), not per record, so they favour clarity over speed.
#include <algorithm>
#include <tuple>

#include "model/gfp.h"
#include "model/histogram.h"
#include "model/model.h"
#include "model/names.h"
#include "model/readiness.h"
#include "model/verdict.h"

namespace submitwatch {
namespace {

using model_internal::AllocKey;
using model_internal::PairKey;

// Problems first.
int StateRank(Readiness state) {
  switch (state) {
    case Readiness::kFailed: return 0;
    case Readiness::kFallback: return 1;
    case Readiness::kPending: return 2;
    case Readiness::kReady: return 3;
  }
  return 4;
}

struct Elsewhere {
  std::string cgroup;
  uint64_t bios = 0;
  uint64_t bytes = 0;
};

struct PairAcc {
  CgroupRow row;
  uint64_t path_ts_ns = 0;  // ts of the record the path and disk came from
  bool has_own = false;
  Readiness own_state = Readiness::kPending;
  uint64_t own_ready_since_ns = 0;
  std::vector<Elsewhere> elsewhere;  // one per ancestor blkg
};

uint64_t Delta(uint64_t now, uint64_t base) { return now >= base ? now - base : now; }

}  // namespace

std::vector<CgroupRow> Model::CgroupRows() const {
  absl::flat_hash_map<PairKey, PairAcc> pairs;
  for (const auto& [key, entry] : blkgs_) {
    const BlkgRecord& r = entry.row;
    const uint64_t bios = entry.baseline ? Delta(r.bios, entry.baseline->first) : r.bios;
    const uint64_t bytes = entry.baseline ? Delta(r.bytes, entry.baseline->second) : r.bytes;
    // Unchanged since Clear(): hidden, like everything else cleared.
    if (entry.baseline && bios == 0 && bytes == 0) continue;

    const PairKey pair_key{r.kthread ? r.blkg_cgroup_id : r.cgroup_id, r.kthread,
                           r.dev_major, r.dev_minor};
    PairAcc& acc = pairs[pair_key];
    CgroupRow& row = acc.row;
    if (acc.path_ts_ns == 0 || r.ts_ns >= acc.path_ts_ns) {
      acc.path_ts_ns = r.ts_ns == 0 ? 1 : r.ts_ns;
      row.cgroup_id = pair_key.owner;
      row.cgroup = r.kthread ? r.blkg_cgroup : r.cgroup;
      row.kthread = r.kthread;
      row.dev_major = r.dev_major;
      row.dev_minor = r.dev_minor;
      row.disk = r.disk;
    }
    row.bios += bios;
    row.bytes += bytes;
    if (r.first_seen_ns != 0 &&
        (row.first_io_ns == 0 || r.first_seen_ns < row.first_io_ns)) {
      row.first_io_ns = r.first_seen_ns;
    }
    row.last_ts_ns = std::max(row.last_ts_ns, r.ts_ns);
    if (IsOwnBlkg(r)) {
      acc.has_own = true;
      acc.own_state = RowReadiness(r);
      acc.own_ready_since_ns = entry.ready_since_ns;
      row.own_bios += bios;
      row.own_bytes += bytes;
    } else {
      row.elsewhere_bios += bios;
      row.elsewhere_bytes += bytes;
      acc.elsewhere.push_back({r.blkg_cgroup, bios, bytes});
    }
  }

  std::vector<CgroupRow> rows;
  rows.reserve(pairs.size() + failures_.size());
  absl::flat_hash_set<uint64_t> cgroups_with_pairs;
  for (auto& [key, acc] : pairs) {
    CgroupRow& row = acc.row;
    if (!acc.elsewhere.empty()) {
      const auto most = std::max_element(
          acc.elsewhere.begin(), acc.elsewhere.end(),
          [](const Elsewhere& a, const Elsewhere& b) {
            // Ties go to the shorter (closer to the root) path, then by name,
            // so the choice does not depend on hash order.
            return std::tuple(a.bios, a.bytes, b.cgroup.size(), b.cgroup) <
                   std::tuple(b.bios, b.bytes, a.cgroup.size(), a.cgroup);
          });
      row.charged_to = most->cgroup;
    }
    row.state = acc.has_own ? acc.own_state : Readiness::kFallback;
    if (row.state == Readiness::kReady) {
      row.ready_ns = acc.own_ready_since_ns;
      row.time_to_ready_ns =
          row.ready_ns > row.first_io_ns && row.first_io_ns != 0 ? row.ready_ns - row.first_io_ns : 0;
    }
    if (!key.kthread) {
      cgroups_with_pairs.insert(key.owner);
      if (auto f = failures_.find(key.owner); f != failures_.end()) {
        row.failed_allocs = f->second.count;
        if (row.state != Readiness::kReady) row.state = Readiness::kFailed;
      }
    }
    rows.push_back(std::move(row));
  }
  // A failure before any bio was counted still needs a row: it is the whole
  // story for that cgroup.
  for (const auto& [cgroup_id, failure] : failures_) {
    if (cgroups_with_pairs.contains(cgroup_id)) continue;
    CgroupRow row;
    row.cgroup_id = cgroup_id;
    row.cgroup = failure.cgroup;
    row.disk = std::string(names::kDiskUnknown);
    row.state = Readiness::kFailed;
    row.failed_allocs = failure.count;
    row.first_io_ns = failure.first_ns;
    row.last_ts_ns = failure.last_ns;
    rows.push_back(std::move(row));
  }

  // Throttle counts belong to the blkg's cgroup: its own row for the disk,
  // or the kernel-thread row when only the throttle's worker submitted.
  for (const auto& [key, t] : throttles_) {
    CgroupRow* target = nullptr;
    for (CgroupRow& row : rows) {
      if (row.cgroup_id != key.owner || row.dev_major != key.dev_major ||
          row.dev_minor != key.dev_minor) {
        continue;
      }
      if (target == nullptr || (target->kthread && !row.kthread)) target = &row;
    }
    if (target == nullptr) continue;
    target->throttled_bios = t.throttled;
    target->passed_bios = t.passed;
    target->throttle_wait_ns = t.queued_ns;
    target->throttle_wait_max_ns = t.queued_max_ns;
  }

  std::sort(rows.begin(), rows.end(), [](const CgroupRow& a, const CgroupRow& b) {
    return std::tuple(StateRank(a.state), a.cgroup, a.kthread, a.dev_major, a.dev_minor,
                      a.cgroup_id) <
           std::tuple(StateRank(b.state), b.cgroup, b.kthread, b.dev_major, b.dev_minor,
                      b.cgroup_id);
  });
  return rows;
}

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
