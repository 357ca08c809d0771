// How much a kernel counter grew since a baseline. Counters restart when the
// kernel's map entry is recreated (evicted, then seen again): a value below
// the baseline is then all new.
#ifndef SUBMITWATCH_MODEL_COUNTER_DELTA_H_
#define SUBMITWATCH_MODEL_COUNTER_DELTA_H_

#include <cstdint>

namespace submitwatch {

constexpr uint64_t CounterDelta(uint64_t now, uint64_t base) {
  return now >= base ? now - base : now;
}

}  // namespace submitwatch

#endif  // SUBMITWATCH_MODEL_COUNTER_DELTA_H_
