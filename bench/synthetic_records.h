// Deterministic records that look like what `record --all-allocs` writes on a
// busy container host: per-cpu allocations from a few dozen call sites in a
// few hundred (site, cgroup, comm) groups, most repeating one of a handful of
// stacks, and map snapshots of many (cgroup, disk) pairs and work functions.
// Shared by bench_model (in memory) and bench_tool synth-capture (on disk), so
// the Google Benchmark figures and the `report` replay see the same mix.
#ifndef SUBMITWATCH_BENCH_SYNTHETIC_RECORDS_H_
#define SUBMITWATCH_BENCH_SYNTHETIC_RECORDS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "model/records.h"

namespace submitwatch::bench {

class SyntheticRecords {
 public:
  explicit SyntheticRecords(uint64_t seed = 1);

  CaptureHeader Header() const;
  // The next allocation; ts_ns grows by a few microseconds per call.
  AllocRecord NextAlloc();
  // Each snapshot is read kSnapshotIntervalNs after the previous one.
  static constexpr uint64_t kSnapshotIntervalNs = 1'000'000;
  // One snapshot of `rows` distinct (cgroup, disk, blkg) rows, counts grown
  // since the previous snapshot.
  std::vector<BlkgRecord> BlkgSnapshot(size_t rows);
  // One snapshot of `functions` distinct work functions.
  std::vector<WqRecord> WqSnapshot(size_t functions);
  // Row `index` of a host with many (cgroup, disk) pairs, one per index: a
  // cgroup in one of ten slices ("/kubepods/slice3/pod..."), on one of
  // eight disks; every fifth charged to the root's blkg. For the scale
  // benchmarks, which need tens of thousands of distinct pairs.
  static BlkgRecord PairRow(size_t index, uint64_t bios, uint64_t ts_ns);
  LostRecord Lost() const;
  CaptureSummary Summary(uint64_t events) const;

  uint64_t now_ns() const { return now_ns_; }

 private:
  struct Site {
    std::string name;
    std::string offset;
    uint64_t gfp;
    bool atomic;
    uint32_t context;
    std::string work_func;
    std::vector<std::vector<std::string>> stacks;
  };

  size_t Skewed(size_t n);  // small indices more often, like real traffic

  std::mt19937_64 rng_;
  uint64_t start_ns_ = 1'000'000'000'000ull;
  uint64_t now_ns_ = start_ns_;
  uint64_t snapshot_ = 0;
  std::vector<Site> sites_;
  std::vector<std::string> cgroups_;
  std::vector<std::string> comms_;
  std::vector<std::string> disks_;
  std::vector<std::string> work_funcs_;
};

}  // namespace submitwatch::bench

#endif  // SUBMITWATCH_BENCH_SYNTHETIC_RECORDS_H_
