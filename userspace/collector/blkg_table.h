// The bio table behind the per-CPU slots (struct sw_blkg_table_key in
// bpf/events.h): each key's counts at its index on every CPU, and the
// index's name, read through the maps' mmap in one pass over plain memory.
// The memory protocol (names under a gen, counts per CPU, indexes emptied
// and zeroed for reuse) is this class's; the kernel's index hash and free
// queue are the collector's, so this is tested on plain buffers.
#ifndef SUBMITWATCH_COLLECTOR_BLKG_TABLE_H_
#define SUBMITWATCH_COLLECTOR_BLKG_TABLE_H_

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf/events.h"
#include "collector/shared_words.h"

namespace submitwatch {

class BlkgTable {
 public:
  // One named index as read, its counts added up over the CPUs.
  struct Entry {
    uint32_t index = 0;
    sw_blkg_key key{};
    sw_blkg_counters counts{};
  };

  // Maps blkg_table_keys (`keys_fd`, `stride` names) and blkg_table
  // (`counts_fd`, `stride` counts per possible CPU).
  static absl::StatusOr<std::unique_ptr<BlkgTable>> Map(int keys_fd, int counts_fd,
                                                        uint32_t stride, int nr_cpus);
  // Over memory the caller owns and keeps alive: `stride` names, and
  // `stride` * nr_cpus counts laid out as sw_blkg_table_at() says.
  BlkgTable(sw_blkg_table_key* names, sw_blkg_counters* counts, uint32_t stride, int nr_cpus)
      : names_(names), counts_(counts), stride_(stride), nr_cpus_(nr_cpus) {}
  ~BlkgTable();
  BlkgTable(const BlkgTable&) = delete;
  BlkgTable& operator=(const BlkgTable&) = delete;

  // Appends every named index below `end` (the next fresh index: none past
  // it was ever handed out) to *out, in index order. An index being named
  // right now is left out: its counts show in the next read. T extends
  // Entry: the fold reads into its own records, with no copy of the table
  // between (at 100,000 keys, 4.5 MB a snapshot).
  template <typename T>
    requires std::derived_from<T, Entry>
  void Read(uint64_t end, std::vector<T>* out) const;

  // The index's counts now, added up over the CPUs.
  sw_blkg_counters Counts(uint32_t index) const;
  // Empties the index's name, once its key has left the kernel's index
  // hash: no read sees it after this.
  void Unname(uint32_t index);
  // Zeroes the index's counts on every CPU, for the program to take it again.
  void Zero(uint32_t index);

  uint32_t stride() const { return stride_; }

 private:
  sw_blkg_table_key* names_;
  sw_blkg_counters* counts_;
  uint32_t stride_;
  int nr_cpus_;
  // What Map() mapped; 0: not ours to unmap.
  size_t names_bytes_ = 0;
  size_t counts_bytes_ = 0;
};

template <typename T>
  requires std::derived_from<T, BlkgTable::Entry>
void BlkgTable::Read(uint64_t end, std::vector<T>* out) const {
  const uint32_t last = static_cast<uint32_t>(std::min<uint64_t>(end, stride_));
  const size_t first_entry = out->size();
  for (uint32_t i = 0; i < last; ++i) {
    sw_blkg_table_key& name = names_[i];
    // Most indexes in use are named and stay so: the gen is read around the
    // key only to catch one being named or emptied right now.
    const uint64_t gen = LoadShared(name.gen, std::memory_order_acquire);
    if (gen & 1) continue;
    sw_blkg_key key;
    key.blkg = LoadShared(name.key.blkg);
    key.task_cgroup_id = LoadShared(name.key.task_cgroup_id);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (key.blkg == 0 || LoadShared(name.gen) != gen) continue;
    Entry& e = out->emplace_back();
    e.index = i;
    e.key = key;
  }
  // CPU by CPU, so each CPU's counts are read in one forward pass.
  for (int cpu = 0; cpu < nr_cpus_; ++cpu) {
    sw_blkg_counters* on_cpu = counts_ + sw_blkg_table_at(static_cast<uint32_t>(cpu), 0, stride_);
    for (size_t j = first_entry; j < out->size(); ++j) {
      Entry& e = (*out)[j];
      sw_blkg_counters& c = on_cpu[e.index];
      e.counts.bios += LoadShared(c.bios);
      e.counts.bytes += LoadShared(c.bytes);
    }
  }
}

}  // namespace submitwatch

#endif  // SUBMITWATCH_COLLECTOR_BLKG_TABLE_H_
