// Words of a BPF array mapped into this process (BPF_F_MMAPABLE), which
// programs write while we read them: every access is atomic, relaxed except
// where a gen word orders them.
#ifndef SUBMITWATCH_COLLECTOR_SHARED_WORDS_H_
#define SUBMITWATCH_COLLECTOR_SHARED_WORDS_H_

#include <atomic>
#include <cstdint>

namespace submitwatch {

inline uint64_t LoadShared(uint64_t& word, std::memory_order order = std::memory_order_relaxed) {
  return std::atomic_ref<uint64_t>(word).load(order);
}

inline void StoreShared(uint64_t& word, uint64_t value,
                        std::memory_order order = std::memory_order_relaxed) {
  std::atomic_ref<uint64_t>(word).store(value, order);
}

}  // namespace submitwatch

#endif  // SUBMITWATCH_COLLECTOR_SHARED_WORDS_H_
