// `submitwatch report --format perfetto`: a capture as a Chrome trace-event
// JSON file, which ui.perfetto.dev and chrome://tracing open.
//
// The capture holds rare events one by one (allocations) but hot paths only
// as cumulative counters read at each snapshot (bios per blkg, work items per
// work function): the kernel aggregates them, so there is no per-bio or
// per-work-item timing to show. The trace shows what exists, and nothing
// else:
//
// * process "cgroup <path>" per cgroup (sorted by path, shown first):
//   - counters "<disk> bios/s" (series own, elsewhere: charged to the
//     cgroup's own blkg / to an ancestor's) and "<disk> readiness" (0 ready,
//     1 pending, 2 fallback, 3 failed), from the blkg snapshots;
//   - thread "readiness": an instant ("i") per state change, "<disk>: <state>";
//   - a thread per allocating task ("<comm> <tid>"): an instant per
//     submit-path allocation, named "<verdict> <site>" (" (failed)" when it
//     failed), args with gfp, context, bytes and the stack (innermost first).
// * process "workqueues": per work function, a counter "<function>" with
//   queued/s and executed/s, and a thread "<function>" with one complete
//   ("X") slice per snapshot interval in which items executed, named
//   "<N> executed", args holding the interval's counts and its latency and
//   runtime percentiles (log2 bucket upper bounds). A slice is the interval
//   between two snapshots, not one execution.
// * process "submitwatch": counter "lost events" (cumulative, per reason).
//
// Rates: the bios or items counted between two snapshots are spread over that
// interval: from the previous snapshot in the capture (or, for a pair's first
// snapshot, its first bio) to the snapshot that saw them. ts is in
// microseconds since the capture's start; metadata carries the base.
#ifndef SUBMITWATCH_SINKS_EXPORT_PERFETTO_EXPORT_H_
#define SUBMITWATCH_SINKS_EXPORT_PERFETTO_EXPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "model/model.h"
#include "model/readiness.h"
#include "model/records.h"

namespace submitwatch {

// Bumped when a track, event or arg changes meaning or goes away; adding is
// not a schema change. In the trace as metadata.schema.
inline constexpr int kPerfettoTraceSchema = 1;

// A readiness state as a counter value: the worse, the higher.
int ReadinessLevel(Readiness state);

class PerfettoTrace {
 public:
  // Records in capture order (the order `record` writes them).
  void Add(const Record& record);
  // The trace: one JSON object followed by a newline. Call once, last.
  std::string Finish();

 private:
  struct PairSample {
    uint64_t ts_ns = 0;
    uint64_t own_bios = 0;  // cumulative
    uint64_t elsewhere_bios = 0;
    Readiness state = Readiness::kPending;
  };
  struct PairSeries {
    std::string cgroup;
    std::string label;  // "loop0", "loop0 (kthread)"
    uint64_t first_io_ns = 0;
    std::vector<PairSample> samples;
  };
  // (cgroup_id, kthread, dev_major, dev_minor), as CgroupRow keys a pair.
  using PairId = std::tuple<uint64_t, bool, uint32_t, uint32_t>;

  // Blkg snapshot rows of one snapshot arrive together with one ts_ns; once
  // they are in, the model says which pairs changed and their state.
  void CloseBurst();
  void NoteFinalStates();
  static PairId IdOf(const CgroupRow& row);
  PairSeries& SeriesOf(const CgroupRow& row);
  // The latest snapshot time in the capture before ts_ns, if any.
  std::optional<uint64_t> PreviousTick(uint64_t ts_ns) const;

  Model model_;  // the one definition of a pair's readiness
  std::optional<CaptureHeader> header_;
  std::optional<uint64_t> burst_ts_;
  std::map<PairId, PairSeries> pairs_;
  std::map<std::string, std::vector<WqRecord>> work_;  // by function
  std::vector<AllocRecord> allocs_;                    // submit path only
  std::vector<LostRecord> lost_records_;
  std::set<uint64_t> ticks_;  // snapshot times (and the capture's start)
  uint64_t first_ts_ns_ = 0;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_EXPORT_PERFETTO_EXPORT_H_
