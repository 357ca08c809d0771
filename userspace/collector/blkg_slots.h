// The per-CPU bio slots that block_bio_queue counts in before its hash map
// (sw_blkg_cpu_slots in bpf/events.h), read and emptied in place through the
// map's mmap while the program keeps counting. The protocol lives on the
// memory alone, so it is tested on a plain buffer without a kernel.
#ifndef SUBMITWATCH_COLLECTOR_BLKG_SLOTS_H_
#define SUBMITWATCH_COLLECTOR_BLKG_SLOTS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "bpf/events.h"

namespace submitwatch {

class BlkgSlots {
 public:
  // One occupied slot as read: where it is, and the gen it was read under.
  struct Occupied {
    uint32_t cpu = 0;
    uint32_t index = 0;
    uint64_t gen = 0;
    sw_blkg_key key{};
    sw_blkg_counters counts{};
  };

  // Maps the BPF array `fd`, one element per possible CPU.
  static absl::StatusOr<std::unique_ptr<BlkgSlots>> Map(int fd, int nr_cpus);
  // Over nr_cpus elements the caller owns and keeps alive.
  BlkgSlots(sw_blkg_cpu_slots* cpus, int nr_cpus) : cpus_(cpus), nr_cpus_(nr_cpus) {}
  ~BlkgSlots();
  BlkgSlots(const BlkgSlots&) = delete;
  BlkgSlots& operator=(const BlkgSlots&) = delete;

  // Every occupied slot. A slot being claimed right now is left out: its
  // first bio shows in the next read.
  std::vector<Occupied> Read() const;

  // Empties the slot if it still is as read, and sets *final to its counts
  // at that moment. False if it changed or is busy: read it again later.
  bool Clear(const Occupied& slot, sw_blkg_counters* final);

 private:
  sw_blkg_cpu_slots* cpus_;
  int nr_cpus_;
  size_t mapped_bytes_ = 0;  // 0: not ours to unmap
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_COLLECTOR_BLKG_SLOTS_H_
