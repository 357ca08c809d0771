// What the interactive view shows at one moment: the model's tables copied
// out on the feeding thread, plus what the feed knows about itself (live or
// replay, its rates and cost). The UI thread only reads published frames
// (see frame_exchange.h), so drawing never touches the model.
#ifndef SUBMITWATCH_SINKS_TUI_FRAME_H_
#define SUBMITWATCH_SINKS_TUI_FRAME_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/records.h"
#include "model/tables.h"

namespace submitwatch::tui {

// The tool's own kernel-side cost over the last interval, from the BPF
// run-time statistics of its programs.
struct BpfCost {
  double ns_per_event = 0;  // run time per program run (one hooked event)
  double cpu_share = 0;     // run time / wall time: 1.0 is one whole CPU
  uint64_t events = 0;      // program runs in the interval
};

// What the feed reports besides the model.
struct FeedStatus {
  bool live = false;
  double speed = 1;         // replay: capture seconds per second; 0 = at once
  std::string source;       // replay: the capture file
  bool end_of_capture = false;
  std::string note;         // a warning for the header, e.g. a cut-off capture
  uint64_t events = 0;      // live: ring-buffer events; replay: alloc records
  std::optional<BpfCost> bpf_cost;
  std::string bpf_cost_note;  // why there is no cost: "n/a (replay)", ...
};

// A row as one frame shows it. A frame holds one per row, and the next
// frame is built from it, so it stays three words: an unknown rate is NaN
// inside, not an optional's flag and padding.
class CgroupView {
 public:
  CgroupView(const CgroupRow& row, std::optional<double> bios_per_s,
             std::optional<double> bytes_per_s)
      : row(row), bios_per_s_(bios_per_s.value_or(kUnknown)),
        bytes_per_s_(bytes_per_s.value_or(kUnknown)) {}

  // Over the last interval; unknown until two samples exist.
  std::optional<double> bios_per_s() const { return Known(bios_per_s_); }
  std::optional<double> bytes_per_s() const { return Known(bytes_per_s_); }

  const CgroupRow& row;  // in Frame::cgroup_rows, which keeps it

 private:
  static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
  static std::optional<double> Known(double rate) {
    return std::isnan(rate) ? std::nullopt : std::optional<double>(rate);
  }

  double bios_per_s_;
  double bytes_per_s_;
};

struct Frame {
  uint64_t sequence = 0;
  uint64_t clears = 0;  // Model::Clear() calls applied before this frame
  std::optional<CaptureHeader> header;
  FeedStatus status;
  // The feed's clock: CLOCK_MONOTONIC live, the capture's time in replay.
  uint64_t now_ns = 0;
  uint64_t start_ns = 0;  // the session's start on the same clock; 0: unknown
  std::optional<double> events_per_s;
  uint64_t lost = 0;
  std::map<std::string, uint64_t> lost_by_reason;
  // The model's rows, shared with the frames before and after this one for
  // as long as they do not change: a frame copies no row.
  std::shared_ptr<const SharedCgroupRows> cgroup_rows;
  std::vector<CgroupView> cgroups;  // one per row of cgroup_rows, in order
  std::vector<AllocRow> allocs;
  std::vector<WqRow> workqueues;
};

// Identities of rows, stable across frames: the selection follows its row
// when the order changes.
std::string RowKey(const CgroupRow& row);
// A number for what RowKey() says, without building the text: a table of
// 100,000 rows follows its selection by these.
uint64_t RowId(const CgroupRow& row);
uint64_t RowId(std::string_view key);
std::string RowKey(const AllocRow& row);
std::string RowKey(const WqRow& row);

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_FRAME_H_
