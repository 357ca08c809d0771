// A sequence that grows by fixed blocks. An element never moves once added,
// so others may hold its address, and growing never copies: a vector that
// doubles copies all it holds and needs the old and the new array at once
// (a first snapshot of 100,000 pairs grows the model's entries from nothing).
#ifndef SUBMITWATCH_MODEL_STABLE_BLOCKS_H_
#define SUBMITWATCH_MODEL_STABLE_BLOCKS_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace submitwatch::model_internal {

// kBlock elements a block: a power of two, so that finding one is a shift
// and a mask. A block under malloc's mmap threshold (128 KiB) reuses freed
// heap where there is some.
template <typename T, uint32_t kBlock>
class StableBlocks {
  static_assert((kBlock & (kBlock - 1)) == 0, "kBlock must be a power of two");

 public:
  StableBlocks() = default;
  StableBlocks(const StableBlocks&) = delete;
  StableBlocks& operator=(const StableBlocks&) = delete;
  StableBlocks(StableBlocks&&) = default;
  StableBlocks& operator=(StableBlocks&&) = default;

  uint32_t size() const { return size_; }
  T& operator[](uint32_t i) { return blocks_[i / kBlock][i % kBlock]; }
  const T& operator[](uint32_t i) const { return blocks_[i / kBlock][i % kBlock]; }

  T& push_back(T&& value) {
    if (size_ % kBlock == 0) blocks_.push_back(std::make_unique<T[]>(kBlock));
    T& placed = (*this)[size_++];
    placed = std::move(value);
    return placed;
  }

  template <typename F>
  void ForEach(F&& f) {
    for (uint32_t i = 0; i < size_; ++i) f((*this)[i]);
  }

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  uint32_t size_ = 0;
};

}  // namespace submitwatch::model_internal

#endif  // SUBMITWATCH_MODEL_STABLE_BLOCKS_H_
