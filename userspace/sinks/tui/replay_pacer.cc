#include "sinks/tui/replay_pacer.h"

#include <algorithm>

namespace submitwatch::tui {

uint64_t ReplayPacer::DueAt(uint64_t ts_ns, uint64_t wall_now_ns) {
  if (ts_ns == 0) return wall_now_ns;
  if (first_ts_ns_ == 0) {
    first_ts_ns_ = ts_ns;
    wall_start_ns_ = wall_now_ns;
    return wall_now_ns;
  }
  if (speed_ == 0 || ts_ns <= first_ts_ns_) return speed_ == 0 ? wall_now_ns : wall_start_ns_;
  const double offset = static_cast<double>(ts_ns - first_ts_ns_) / speed_;
  return wall_start_ns_ + static_cast<uint64_t>(offset);
}

void ReplayPacer::Fed(uint64_t ts_ns) { last_fed_ts_ns_ = std::max(last_fed_ts_ns_, ts_ns); }

uint64_t ReplayPacer::Position(uint64_t wall_now_ns) const {
  if (first_ts_ns_ == 0) return 0;
  if (ended_ || speed_ == 0) return std::max(last_fed_ts_ns_, first_ts_ns_);
  const double elapsed =
      static_cast<double>(wall_now_ns > wall_start_ns_ ? wall_now_ns - wall_start_ns_ : 0);
  return std::max(first_ts_ns_ + static_cast<uint64_t>(elapsed * speed_), last_fed_ts_ns_);
}

}  // namespace submitwatch::tui
