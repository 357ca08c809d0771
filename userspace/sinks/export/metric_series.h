// The series `submitwatch serve` exposes, derived from the model's tables on
// every snapshot: cgroup pairs folded to the label set they are shown under
// (--cgroup-depth), allocation groups summed per (site, allocator, verdict),
// and the last counts of what the model forgot (removed cgroups) kept where
// a series lives on, so that its counters never go backwards. No I/O.
#ifndef SUBMITWATCH_SINKS_EXPORT_METRIC_SERIES_H_
#define SUBMITWATCH_SINKS_EXPORT_METRIC_SERIES_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "model/model.h"
#include "model/readiness.h"
#include "model/tables.h"
#include "model/verdict.h"

namespace submitwatch {

// --cgroup-depth's default: every cgroup its own series.
inline constexpr int kUnlimitedCgroupDepth = -1;

// The path a cgroup's series is labelled with: its ancestor `depth` levels
// below the root ("/a/b/c" at depth 2 is "/a/b"); paths no deeper, and every
// path with kUnlimitedCgroupDepth, stay as they are. Depth 0 is "/".
std::string FoldCgroupPath(std::string_view path, int depth);

// The readiness states, in the order a series lists them.
inline constexpr std::array<Readiness, 4> kReadinessStates = {
    Readiness::kReady, Readiness::kPending, Readiness::kFallback, Readiness::kFailed};

// One (cgroup, disk, submitter) series: one pair, or the pairs folded into it.
struct CgroupSeries {
  std::string cgroup;
  std::string disk;
  bool kthread = false;
  uint64_t bios = 0;  // wherever charged; removed pairs' last counts included
  uint64_t bytes = 0;
  uint64_t elsewhere_bios = 0;  // charged to an ancestor's blkg
  uint64_t elsewhere_bytes = 0;
  // Whether any live pair of the series is in kReadinessStates[i].
  std::array<bool, kReadinessStates.size()> states{};
  // The longest time from first IO to ready of its ready pairs; none when
  // no pair of it is ready.
  std::optional<uint64_t> time_to_ready_ns;
};

struct AllocSeries {
  std::string site;
  Allocator allocator = Allocator::kPercpu;
  Verdict verdict = Verdict::kOutside;
  uint64_t count = 0;
  uint64_t failed = 0;
  uint64_t bytes = 0;
};

// Kernel-side cost of one BPF program since it was loaded.
struct BpfProgramCost {
  std::string program;
  uint64_t run_time_ns = 0;
  uint64_t runs = 0;
};

// Everything one scrape shows, as published after a snapshot.
struct MetricsSnapshot {
  std::string version;
  std::string kernel;
  std::vector<HookMode> hooks;
  std::vector<CgroupSeries> cgroups;
  std::vector<AllocSeries> allocs;
  std::vector<WqRow> workqueues;
  std::map<std::string, uint64_t> lost;  // by reason
  // None when the kernel's BPF run-time statistics could not be enabled.
  std::optional<std::vector<BpfProgramCost>> bpf_programs;
  uint64_t events = 0;         // ring-buffer events received
  int64_t snapshot_unix_ns = 0;  // when the counter maps were read
};

class MetricSeries {
 public:
  explicit MetricSeries(int cgroup_depth = kUnlimitedCgroupDepth) : depth_(cgroup_depth) {}

  // What the model forgot: the counts stay in the series they were part of.
  void Retire(const Model::Forgotten& forgotten);

  // The series of the live rows, sorted by cgroup, disk and submitter. A
  // series with no live pair left disappears, and its removed pairs' counts
  // with it.
  std::vector<CgroupSeries> Cgroups(const std::vector<CgroupRow>& rows);
  // Sorted by site, allocator and verdict. Allocation series stay once seen:
  // they are few, and bounded by the kernel's call sites.
  std::vector<AllocSeries> Allocs(const std::vector<AllocCount>& counts) const;

  // What a scrape shows after a snapshot: `tool` (identity, events, BPF
  // cost, time) with the model's tables as series.
  MetricsSnapshot Snapshot(const Model& model, MetricsSnapshot tool);

 private:
  using CgroupKey = std::tuple<std::string, std::string, bool>;  // cgroup, disk, kthread
  using AllocKey = std::tuple<std::string, Allocator, Verdict>;
  struct PairCounts {
    uint64_t bios = 0;
    uint64_t bytes = 0;
    uint64_t elsewhere_bios = 0;
    uint64_t elsewhere_bytes = 0;
  };
  struct AllocCounts {
    uint64_t count = 0;
    uint64_t failed = 0;
    uint64_t bytes = 0;
  };

  CgroupKey KeyOf(const CgroupRow& row) const;

  int depth_;
  absl::flat_hash_map<CgroupKey, PairCounts> retired_cgroups_;
  absl::flat_hash_map<AllocKey, AllocCounts> retired_allocs_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_EXPORT_METRIC_SERIES_H_
