// Reads every entry of a per-CPU BPF hash map, each snapshot: in batches of
// thousands of entries per syscall (BPF_MAP_LOOKUP_BATCH, Linux 5.6) where
// the kernel has them, else one entry at a time (get_next_key + lookup, two
// syscalls per entry), which it falls back to for good at the first refusal.
// At 100,000 entries the batches are what keeps a snapshot in milliseconds.
#ifndef SUBMITWATCH_COLLECTOR_MAP_READER_H_
#define SUBMITWATCH_COLLECTOR_MAP_READER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace submitwatch {

class PerCpuMapReader {
 public:
  enum class Method { kBatch, kPerEntry };

  // `method` kPerEntry never tries batches (for tests of the fallback).
  explicit PerCpuMapReader(int nr_cpus, Method method = Method::kBatch)
      : nr_cpus_(nr_cpus), method_(method) {}

  // Calls fn(key, values) for every entry, values[i] being CPU i's. Each
  // value type is a multiple of 8 bytes, as the kernel lays per-CPU values.
  // An entry deleted while the map is read is skipped; one inserted may or
  // may not be seen, and (per entry) a key may be seen twice.
  // `max_entries`, where the map's is small, keeps the buffers that small.
  template <typename Key, typename Value, typename Fn>
  absl::Status ForEach(int fd, const char* map_name, Fn&& fn, size_t max_entries = SIZE_MAX) {
    static_assert(sizeof(Value) % 8 == 0);
    return ReadAll(fd, map_name, sizeof(Key), sizeof(Value),
                   [&](const void* key_bytes, const void* value_bytes) {
                     Key key;
                     memcpy(&key, key_bytes, sizeof(key));
                     fn(key, absl::Span<const Value>(static_cast<const Value*>(value_bytes),
                                                     static_cast<size_t>(nr_cpus_)));
                   },
                   max_entries);
  }

  // The same for the first `limit` entries of a per-CPU array: those its
  // programs have handed out, without copying the unused rest.
  template <typename Value, typename Fn>
  absl::Status ForEachOfFirst(int fd, const char* map_name, uint32_t limit, Fn&& fn) {
    static_assert(sizeof(Value) % 8 == 0);
    return ReadAll(fd, map_name, sizeof(uint32_t), sizeof(Value),
                   [&](const void* key_bytes, const void* value_bytes) {
                     uint32_t index;
                     memcpy(&index, key_bytes, sizeof(index));
                     fn(index, absl::Span<const Value>(static_cast<const Value*>(value_bytes),
                                                       static_cast<size_t>(nr_cpus_)));
                   },
                   limit);
  }

  // How the last read went.
  Method method() const { return method_; }

 private:
  using RawFn = std::function<void(const void* key, const void* values)>;
  // At most `limit` entries, in the map's order.
  absl::Status ReadAll(int fd, const char* map_name, size_t key_size, size_t value_size,
                       const RawFn& fn, size_t limit = SIZE_MAX);
  // false: the kernel refused batches (nothing was read).
  absl::Status ReadBatches(int fd, const char* map_name, size_t key_size, size_t value_size,
                           const RawFn& fn, size_t limit, bool* refused);
  absl::Status ReadEntries(int fd, const char* map_name, size_t key_size, size_t value_size,
                           const RawFn& fn, size_t limit);

  int nr_cpus_;
  Method method_;
  // Room for batches, reused from one read to the next: the snapshot
  // allocates nothing once the maps stop growing. Not zeroed: a page the
  // kernel never writes (a batch of a small map in room for a big one)
  // never becomes resident. Values are 8-byte aligned.
  struct Room {
    std::unique_ptr<uint64_t[]> words;
    size_t size = 0;
    uint64_t* Of(size_t n) {
      if (n > size) {
        words = std::make_unique_for_overwrite<uint64_t[]>(n);
        size = n;
      }
      return words.get();
    }
  };
  Room keys_;
  Room values_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_COLLECTOR_MAP_READER_H_
