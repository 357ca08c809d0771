// Counts the heap allocations (operator new) a thread makes while a
// CountAllocations is alive: hot paths must make none. The replacement
// operator new lives in allocation_counter.cc, for the whole unit test binary.
#ifndef SUBMITWATCH_TESTS_UNIT_ALLOCATION_COUNTER_H_
#define SUBMITWATCH_TESTS_UNIT_ALLOCATION_COUNTER_H_

#include <cstdint>

namespace submitwatch::testing_util {

class CountAllocations {
 public:
  CountAllocations();
  ~CountAllocations();
  CountAllocations(const CountAllocations&) = delete;
  CountAllocations& operator=(const CountAllocations&) = delete;
  // Allocations this thread made since construction.
  uint64_t count() const;

 private:
  uint64_t start_;
};

}  // namespace submitwatch::testing_util

#endif  // SUBMITWATCH_TESTS_UNIT_ALLOCATION_COUNTER_H_
