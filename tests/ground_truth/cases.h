// What each device of the test module (tests/kmod/groundtruth.h) does in
// its submit path and what the tool must say about it: the design table
// (DESIGN.md "Verdict"), case by case.
#ifndef SUBMITWATCH_TESTS_GROUND_TRUTH_CASES_H_
#define SUBMITWATCH_TESTS_GROUND_TRUTH_CASES_H_

#include <vector>

#include "model/records.h"
#include "model/verdict.h"

namespace submitwatch::testing {

struct GroundTruthCase {
  const char* device;  // /dev/<device>
  const char* site;    // the module's function that allocates
  Allocator allocator;
  Verdict verdict;
  // Made by a kworker running `site` (the 2011 fix): context
  // worker:<site>, cgroup and comm the worker's; otherwise by the dd in
  // the cgroup, in the submit path.
  bool worker;
  bool needs_slab;  // seen only with --slab, which needs fentry or kprobe
  bool check_fails;  // `check` exits 1 on this device's activity alone
  // Driven by reads. Writes to a block device are plugged
  // (blkdev_write_iter()), and a plugged request reaches ->queue_rq() from
  // the plug's flush (from schedule() while dd waits: on kblockd), outside
  // submit_bio(); an O_DIRECT read is issued directly from
  // blk_mq_submit_bio().
  bool reads = false;
};

// Allocations made once per new cgroup.
inline const std::vector<GroundTruthCase>& AllocationCases() {
  static const auto* const kCases = new std::vector<GroundTruthCase>{
      {"swgt_percpu_kernel", "swgt_percpu_kernel_alloc", Allocator::kPercpu, Verdict::kUnsafe,
       false, false, true},
      {"swgt_percpu_nowait", "swgt_percpu_nowait_alloc", Allocator::kPercpu, Verdict::kAtomic,
       false, false, false},
      {"swgt_percpu_worker", "swgt_percpu_stats_workfn", Allocator::kPercpu, Verdict::kOutside,
       true, false, false},
      {"swgt_mq_percpu_kernel", "swgt_mq_percpu_kernel_alloc", Allocator::kPercpu,
       Verdict::kUnsafe, false, false, true, /*reads=*/true},
      {"swgt_slab_kernel", "swgt_slab_kernel_alloc", Allocator::kSlab, Verdict::kUnsafe, false,
       true, true},
      {"swgt_slab_noio", "swgt_slab_noio_alloc", Allocator::kSlab, Verdict::kNoio, false, true,
       false},
      {"swgt_slab_noio_scope", "swgt_slab_noio_scope_alloc", Allocator::kSlab, Verdict::kNoio,
       false, true, false},
  };
  return *kCases;
}

// The device that remaps every bio to swgt_fail_lower with atomic per-cpu
// memory used up (tests/kmod/percpu_exhaust.c): the kernel's blkg_alloc()
// for (cgroup, swgt_fail_lower) fails, the bios are charged to the root.
inline constexpr const char* kFailDevice = "swgt_percpu_fail";
inline constexpr const char* kFailLowerDisk = "swgt_fail_lower";
inline constexpr const char* kFailExhaustSite = "swgt_percpu_exhaust";
// blkg_alloc()'s first per-cpu allocation, percpu_ref_init()'s counter:
// the failure's call site (the first frame past the allocator's).
inline constexpr const char* kFailKernelSite = "percpu_ref_init";
inline constexpr const char* kFailKernelCaller = "blkg_alloc";

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_GROUND_TRUTH_CASES_H_
