// When each record of a replayed capture is due: records keep the spacing of
// their ts_ns (relative to the first timed record) divided by the speed.
// Speed 0 means as fast as possible. Pure arithmetic; the caller owns the
// clock and the sleeping.
#ifndef SUBMITWATCH_SINKS_TUI_REPLAY_PACER_H_
#define SUBMITWATCH_SINKS_TUI_REPLAY_PACER_H_

#include <cstdint>

namespace submitwatch::tui {

class ReplayPacer {
 public:
  explicit ReplayPacer(double speed) : speed_(speed < 0 ? 0 : speed) {}

  // The wall time (any steady clock, ns) at which a record stamped ts_ns is
  // due. The first timed record anchors the capture's time to `wall_now_ns`;
  // untimed records (ts_ns 0, the header) are due at once.
  uint64_t DueAt(uint64_t ts_ns, uint64_t wall_now_ns);
  // Call when a record was fed to the model.
  void Fed(uint64_t ts_ns);
  // No records will follow: the position stays on the last one.
  void End() { ended_ = true; }

  // The capture time reached at `wall_now_ns`: it advances with the wall
  // clock between records, but never past the last record once ended, and
  // only by records at speed 0. 0 before the first timed record.
  uint64_t Position(uint64_t wall_now_ns) const;
  uint64_t first_ts_ns() const { return first_ts_ns_; }

 private:
  double speed_;
  uint64_t first_ts_ns_ = 0;
  uint64_t wall_start_ns_ = 0;
  uint64_t last_fed_ts_ns_ = 0;
  bool ended_ = false;
};

}  // namespace submitwatch::tui

#endif  // SUBMITWATCH_SINKS_TUI_REPLAY_PACER_H_
