#include "tests/unit/allocation_counter.h"

#include <cstdlib>
#include <new>

namespace {

thread_local bool counting = false;
thread_local uint64_t allocations = 0;

}  // namespace

void* operator new(size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace submitwatch::testing_util {

CountAllocations::CountAllocations() : start_(allocations) { counting = true; }
CountAllocations::~CountAllocations() { counting = false; }
uint64_t CountAllocations::count() const { return allocations - start_; }

}  // namespace submitwatch::testing_util
