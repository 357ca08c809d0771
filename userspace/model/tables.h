// The rows the model hands to sinks: one struct per table, plain values, so
// the TUI, the reports and `check` render or test them without the model.
#ifndef SUBMITWATCH_MODEL_TABLES_H_
#define SUBMITWATCH_MODEL_TABLES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/readiness.h"
#include "model/records.h"
#include "model/stack_table.h"
#include "model/verdict.h"

namespace submitwatch {

// One (cgroup, disk) pair. Kernel-thread bios form their own pairs, keyed by
// the cgroup of the blkg they were charged to.
struct CgroupRow {
  uint64_t cgroup_id = 0;  // submitting cgroup; the blkg's for kthread rows
  std::string cgroup;
  bool kthread = false;
  uint32_t dev_major = 0;
  uint32_t dev_minor = 0;
  std::string disk;
  Readiness state = Readiness::kPending;
  uint64_t bios = 0;  // all bios of the pair, wherever charged
  uint64_t bytes = 0;
  uint64_t own_bios = 0;  // charged to the cgroup's own blkg
  uint64_t own_bytes = 0;
  uint64_t elsewhere_bios = 0;  // charged to an ancestor's blkg
  uint64_t elsewhere_bytes = 0;
  std::string charged_to;  // the ancestor charged most; empty if none
  uint64_t failed_allocs = 0;  // failed submit-path allocations of the cgroup
  // From the throttle hook (fentry/kprobe modes); all zero without it.
  uint64_t throttled_bios = 0;
  uint64_t passed_bios = 0;
  uint64_t throttle_wait_ns = 0;  // total time throttled bios waited
  uint64_t throttle_wait_max_ns = 0;
  uint64_t first_io_ns = 0;
  uint64_t ready_ns = 0;          // 0: not ready
  uint64_t time_to_ready_ns = 0;  // ready_ns - first_io_ns; 0: not ready
  uint64_t last_ts_ns = 0;
};

// The cgroup table for a sink that asks for it at every refresh (a TUI
// frame): CgroupRows()'s rows, each shared with the tables before it for as
// long as its pair does not change. Model::CgroupRowsSince() builds it.
struct SharedCgroupRows {
  std::vector<const CgroupRow*> rows;  // in CgroupRows() order; owned below
  // The model's: when it was built, and the row of each pair (null: not
  // shown) with its place among the states and the batch that holds it, so
  // the next one can reuse them.
  uint64_t pairs_stamp = 0;
  uint64_t joins_stamp = 0;
  std::vector<const CgroupRow*> by_pair;
  std::vector<uint8_t> rank_by_pair;
  std::vector<uint32_t> batch_by_pair;
  // Rows are built in batches, one per table that built any, and a table
  // holds the batches its rows are in: sharing a row costs no reference
  // count of its own (a count per row, each a cache miss, was most of a
  // frame's model time at 100,000 pairs). A batch whose rows mostly changed
  // since has its remaining ones copied into the next batch and goes.
  std::vector<std::shared_ptr<const std::vector<CgroupRow>>> batches;
};

// The user part of a stack (--user-stacks), behind one pointer: rows are
// copied for every frame of `top`, and most have none.
struct UserStackPart {
  std::shared_ptr<const StackFrames> frames;  // innermost first
  std::string fallback;                       // AllocRecord::user_stack_fallback
};

// A distinct stack of a row: the kernel's, and with --user-stacks the
// allocating task's user stack below it.
struct StackCount {
  std::shared_ptr<const StackFrames> frames;  // innermost first
  uint64_t count = 0;
  std::shared_ptr<const UserStackPart> user;  // null: none recorded
};

// Allocations grouped by (site, allocator, verdict, cgroup, comm). Fields
// marked "latest" come from the most recent record of the group.
struct AllocRow {
  Verdict verdict = Verdict::kOutside;
  std::string site;
  Allocator allocator = Allocator::kPercpu;
  std::string cgroup;
  std::string comm;
  uint64_t count = 0;
  uint64_t failed = 0;
  uint64_t bytes = 0;
  uint64_t cgroup_id = 0;     // latest
  std::string site_offset;    // latest
  uint64_t gfp_raw = 0;       // latest
  std::string gfp;            // GfpText(gfp_raw)
  uint64_t effective_gfp_raw = 0;
  std::string effective_gfp;  // GfpText(effective_gfp_raw)
  uint32_t task_flags = 0;    // latest
  uint32_t context = 0;       // latest
  std::string work_func;      // latest
  std::string context_text;   // ContextText(context, work_func)
  uint64_t first_ns = 0;
  uint64_t last_ns = 0;
  std::vector<uint32_t> pids;     // the first few distinct
  std::vector<StackCount> stacks;  // distinct stacks, most frequent first
  uint64_t other_stacks = 0;  // records whose stack did not fit in `stacks`
};

// The counts of one allocation group, without what the tables describe it
// with (gfp text, stacks): what an exporter sums per (site, allocator,
// verdict) on every snapshot.
struct AllocCount {
  std::string site;
  Allocator allocator = Allocator::kPercpu;
  Verdict verdict = Verdict::kOutside;
  uint64_t cgroup_id = 0;  // latest
  uint64_t count = 0;
  uint64_t failed = 0;
  uint64_t bytes = 0;
};

struct WqRow {
  std::string function;
  uint64_t queued = 0;
  uint64_t activated = 0;
  uint64_t executed = 0;
  uint64_t latency_p50_ns = 0;  // upper bounds of log2 buckets
  uint64_t latency_p99_ns = 0;
  uint64_t latency_max_ns = 0;
  uint64_t runtime_p50_ns = 0;
  uint64_t runtime_p99_ns = 0;
  uint64_t runtime_max_ns = 0;
  std::vector<uint64_t> latency_log2;
  std::vector<uint64_t> runtime_log2;
  uint64_t latency_sum_ns = 0;  // of what the histograms count
  uint64_t runtime_sum_ns = 0;
  // A worker running this function made a per-cpu allocation: the deferral
  // the kernel's fix pattern uses.
  bool allocates_percpu = false;
  uint64_t last_ts_ns = 0;
};

// Records the model took in, by type.
struct RecordCounts {
  uint64_t headers = 0;
  uint64_t allocs = 0;
  uint64_t blkgs = 0;
  uint64_t wqs = 0;
  uint64_t lost_records = 0;
  uint64_t summaries = 0;
  uint64_t throttles = 0;
  uint64_t Total() const {
    return headers + allocs + blkgs + wqs + lost_records + summaries + throttles;
  }
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_MODEL_TABLES_H_
