#include "common/malloc_policy.h"

#include <malloc.h>

namespace submitwatch {

void ApplyMallocPolicy() {
  constexpr int kThresholdBytes = 128 << 10;
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_MMAP_THRESHOLD, kThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, kThresholdBytes);
}

}  // namespace submitwatch
