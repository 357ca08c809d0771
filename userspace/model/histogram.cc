#include "model/histogram.h"

#include <cstddef>
#include <limits>

namespace submitwatch {
namespace {

uint64_t BucketUpperBound(size_t i) {
  if (i + 1 >= 64) return std::numeric_limits<uint64_t>::max();
  return uint64_t{1} << (i + 1);
}

uint64_t Total(const std::vector<uint64_t>& buckets) {
  uint64_t total = 0;
  for (uint64_t n : buckets) total += n;
  return total;
}

// The rank of the percentile, rounded up so p50 of {a, b} is a and p99 of a
// single value is that value. Never smaller for a larger pct.
uint64_t Rank(uint64_t total, uint32_t pct) {
  const uint64_t rank = (total / 100) * pct + ((total % 100) * pct + 99) / 100;
  return rank == 0 ? 1 : rank;
}

}  // namespace

uint64_t Log2Percentile(const std::vector<uint64_t>& buckets, uint32_t pct) {
  const uint64_t total = Total(buckets);
  if (total == 0) return 0;
  const uint64_t rank = Rank(total, pct);
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    seen += buckets[i];
    if (seen >= rank) return BucketUpperBound(i);
  }
  return Log2Max(buckets);
}

uint64_t Log2Max(const std::vector<uint64_t>& buckets) {
  for (size_t i = buckets.size(); i > 0; --i) {
    if (buckets[i - 1] != 0) return BucketUpperBound(i - 1);
  }
  return 0;
}

Log2P50P99 Log2Percentiles(const std::vector<uint64_t>& buckets) {
  Log2P50P99 out;
  const uint64_t total = Total(buckets);
  if (total == 0) return out;
  const uint64_t rank50 = Rank(total, 50);
  const uint64_t rank99 = Rank(total, 99);
  // Bucket bounds are never 0, so 0 means not reached yet. Where seen
  // reaches rank99 it has reached rank50 too, so p99 is found last.
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    seen += buckets[i];
    if (out.p50 == 0 && seen >= rank50) out.p50 = BucketUpperBound(i);
    if (seen >= rank99) {
      out.p99 = BucketUpperBound(i);
      return out;
    }
  }
  // Only where the total wrapped around.
  if (out.p50 == 0) out.p50 = Log2Max(buckets);
  out.p99 = Log2Max(buckets);
  return out;
}

std::vector<uint64_t> Log2Subtract(const std::vector<uint64_t>& a,
                                   const std::vector<uint64_t>& b) {
  std::vector<uint64_t> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const uint64_t base = i < b.size() ? b[i] : 0;
    out[i] = a[i] >= base ? a[i] - base : 0;
  }
  return out;
}

}  // namespace submitwatch
