#include "sinks/export/metric_series.h"

#include <algorithm>
#include <utility>

namespace submitwatch {

std::string FoldCgroupPath(std::string_view path, int depth) {
  if (depth < 0) return std::string(path);
  if (depth == 0) return "/";
  // Component `depth` ends at the depth+1-th '/' (the first is the root's).
  size_t slashes = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '/' && ++slashes == static_cast<size_t>(depth) + 1) {
      return std::string(path.substr(0, i));
    }
  }
  return std::string(path);
}

MetricSeries::CgroupKey MetricSeries::KeyOf(const CgroupRow& row) const {
  return {FoldCgroupPath(row.cgroup, depth_), row.disk, row.kthread};
}

void MetricSeries::Retire(const Model::Forgotten& forgotten) {
  for (const CgroupRow& row : forgotten.cgroups) {
    PairCounts& c = retired_cgroups_[KeyOf(row)];
    c.bios += row.bios;
    c.bytes += row.bytes;
    c.elsewhere_bios += row.elsewhere_bios;
    c.elsewhere_bytes += row.elsewhere_bytes;
  }
  for (const AllocCount& a : forgotten.allocs) {
    AllocCounts& c = retired_allocs_[{a.site, a.allocator, a.verdict}];
    c.count += a.count;
    c.failed += a.failed;
    c.bytes += a.bytes;
  }
}

std::vector<CgroupSeries> MetricSeries::Cgroups(const std::vector<CgroupRow>& rows) {
  absl::flat_hash_map<CgroupKey, CgroupSeries> live;
  live.reserve(rows.size());
  for (const CgroupRow& row : rows) {
    CgroupKey key = KeyOf(row);
    auto [it, inserted] = live.try_emplace(std::move(key));
    CgroupSeries& s = it->second;
    if (inserted) {
      s.cgroup = std::get<0>(it->first);
      s.disk = row.disk;
      s.kthread = row.kthread;
    }
    s.bios += row.bios;
    s.bytes += row.bytes;
    s.elsewhere_bios += row.elsewhere_bios;
    s.elsewhere_bytes += row.elsewhere_bytes;
    for (size_t i = 0; i < kReadinessStates.size(); ++i) {
      if (row.state == kReadinessStates[i]) s.states[i] = true;
    }
    if (row.state == Readiness::kReady) {
      s.time_to_ready_ns = std::max(s.time_to_ready_ns.value_or(0), row.time_to_ready_ns);
    }
  }
  for (auto it = retired_cgroups_.begin(); it != retired_cgroups_.end();) {
    const auto series = live.find(it->first);
    if (series == live.end()) {
      retired_cgroups_.erase(it++);
      continue;
    }
    CgroupSeries& s = series->second;
    s.bios += it->second.bios;
    s.bytes += it->second.bytes;
    s.elsewhere_bios += it->second.elsewhere_bios;
    s.elsewhere_bytes += it->second.elsewhere_bytes;
    ++it;
  }
  std::vector<CgroupSeries> out;
  out.reserve(live.size());
  for (auto& [key, series] : live) out.push_back(std::move(series));
  std::sort(out.begin(), out.end(), [](const CgroupSeries& a, const CgroupSeries& b) {
    return std::tie(a.cgroup, a.disk, a.kthread) < std::tie(b.cgroup, b.disk, b.kthread);
  });
  return out;
}

std::vector<AllocSeries> MetricSeries::Allocs(const std::vector<AllocCount>& counts) const {
  absl::flat_hash_map<AllocKey, AllocCounts> sums = retired_allocs_;
  for (const AllocCount& a : counts) {
    AllocCounts& c = sums[{a.site, a.allocator, a.verdict}];
    c.count += a.count;
    c.failed += a.failed;
    c.bytes += a.bytes;
  }
  std::vector<AllocSeries> out;
  out.reserve(sums.size());
  for (const auto& [key, c] : sums) {
    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), c.count, c.failed,
                   c.bytes});
  }
  std::sort(out.begin(), out.end(), [](const AllocSeries& a, const AllocSeries& b) {
    return std::tie(a.site, a.allocator, a.verdict) < std::tie(b.site, b.allocator, b.verdict);
  });
  return out;
}

MetricsSnapshot MetricSeries::Snapshot(const Model& model, MetricsSnapshot tool) {
  tool.cgroups = Cgroups(model.CgroupRows());
  tool.allocs = Allocs(model.AllocCounts());
  tool.workqueues = model.WqRows();
  tool.lost = model.Lost().counts;
  return tool;
}

}  // namespace submitwatch
