// Reading the kernel's log2 histograms (bucket i counts values in
// [2^i, 2^(i+1)) ns).
#ifndef SUBMITWATCH_MODEL_HISTOGRAM_H_
#define SUBMITWATCH_MODEL_HISTOGRAM_H_

#include <cstdint>
#include <vector>

namespace submitwatch {

// The upper bound 2^(i+1) of the bucket in which the pct-th percentile
// (0 < pct <= 100) falls: the bucket only bounds the value, and an upper
// bound never understates a latency. 0 for an empty histogram.
uint64_t Log2Percentile(const std::vector<uint64_t>& buckets, uint32_t pct);

// The upper bound of the highest non-empty bucket; 0 for an empty histogram.
uint64_t Log2Max(const std::vector<uint64_t>& buckets);

// Log2Percentile(buckets, 50) and Log2Percentile(buckets, 99), read in one
// pass: a table row shows both.
struct Log2P50P99 {
  uint64_t p50 = 0;
  uint64_t p99 = 0;
};
Log2P50P99 Log2Percentiles(const std::vector<uint64_t>& buckets);

// a - b bucket by bucket (b may be shorter); a bucket that went backwards
// counts as 0.
std::vector<uint64_t> Log2Subtract(const std::vector<uint64_t>& a,
                                   const std::vector<uint64_t>& b);

}  // namespace submitwatch

#endif  // SUBMITWATCH_MODEL_HISTOGRAM_H_
