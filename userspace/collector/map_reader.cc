#include "collector/map_reader.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/errno_text.h"

namespace submitwatch {
namespace {

// Not in the uapi headers: the kernel's ENOTSUPP, for map types without
// batch operations.
constexpr int kKernelEnotsupp = 524;
// Bytes of values fetched per batch: enough for thousands of entries, small
// whatever the number of CPUs.
constexpr size_t kBatchValueBytes = 256 << 10;
constexpr uint32_t kMinBatchEntries = 64;

absl::Status MapError(const char* what, int err) {
  return absl::InternalError(absl::StrCat("reading BPF map ", what, ": ", ErrnoText(err)));
}

size_t Words(size_t bytes) { return (bytes + 7) / 8; }

}  // namespace

absl::Status PerCpuMapReader::ReadAll(int fd, const char* map_name, size_t key_size,
                                      size_t value_size, const RawFn& fn, size_t limit) {
  if (limit == 0) return absl::OkStatus();
  if (method_ == Method::kBatch) {
    bool refused = false;
    if (absl::Status s = ReadBatches(fd, map_name, key_size, value_size, fn, limit, &refused);
        !s.ok() || !refused) {
      return s;
    }
    method_ = Method::kPerEntry;
  }
  return ReadEntries(fd, map_name, key_size, value_size, fn, limit);
}

absl::Status PerCpuMapReader::ReadBatches(int fd, const char* map_name, size_t key_size,
                                          size_t value_size, const RawFn& fn, size_t limit,
                                          bool* refused) {
  const size_t entry_value_bytes = Words(value_size) * 8 * static_cast<size_t>(nr_cpus_);
  // Room for no more than asked: the buffers stay allocated between reads.
  uint32_t capacity = static_cast<uint32_t>(std::min<size_t>(
      limit, std::max<size_t>(kMinBatchEntries, kBatchValueBytes / entry_value_bytes)));
  // The batch token: a bucket index for hash maps; room for any map's.
  uint64_t in_batch = 0, out_batch = 0;
  bool first = true;
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  size_t delivered = 0;
  while (true) {
    uint64_t* keys_room = keys_.Of(Words(key_size * capacity));
    uint64_t* values_room = values_.Of(Words(entry_value_bytes * capacity));
    uint32_t count = static_cast<uint32_t>(std::min<size_t>(capacity, limit - delivered));
    const int err = bpf_map_lookup_batch(fd, first ? nullptr : &in_batch, &out_batch,
                                         keys_room, values_room, &count, &opts);
    const int error_number = err != 0 ? errno : 0;
    if (err != 0 && first && count == 0 &&
        (error_number == EINVAL || error_number == kKernelEnotsupp ||
         error_number == EOPNOTSUPP)) {
      *refused = true;
      return absl::OkStatus();
    }
    if (err != 0 && error_number == ENOSPC) {
      // One bucket holds more entries than fit: the kernel said how many.
      capacity = std::max(count, capacity * 2);
      continue;
    }
    if (err != 0 && error_number != ENOENT) return MapError(map_name, error_number);
    const auto* keys = reinterpret_cast<const char*>(keys_room);
    const auto* values = reinterpret_cast<const char*>(values_room);
    for (uint32_t i = 0; i < count; ++i) fn(keys + i * key_size, values + i * entry_value_bytes);
    if (err != 0) return absl::OkStatus();  // ENOENT: that was the last of them
    delivered += count;
    if (delivered >= limit) return absl::OkStatus();
    in_batch = out_batch;
    first = false;
  }
}

absl::Status PerCpuMapReader::ReadEntries(int fd, const char* map_name, size_t key_size,
                                          size_t value_size, const RawFn& fn, size_t limit) {
  const size_t entry_value_bytes = Words(value_size) * 8 * static_cast<size_t>(nr_cpus_);
  std::vector<uint64_t> key(Words(key_size)), next(Words(key_size));
  size_t delivered = 0;
  uint64_t* value = values_.Of(Words(entry_value_bytes));
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    key = next;
    prev = key.data();
    if (bpf_map_lookup_elem(fd, key.data(), value) != 0) {
      if (errno == ENOENT) continue;  // deleted under us
      return MapError(map_name, errno);
    }
    fn(key.data(), value);
    if (++delivered >= limit) break;
  }
  return absl::OkStatus();
}

}  // namespace submitwatch
