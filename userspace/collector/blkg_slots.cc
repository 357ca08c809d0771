#include "collector/blkg_slots.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "collector/shared_words.h"
#include "common/errno_text.h"

namespace submitwatch {

absl::StatusOr<std::unique_ptr<BlkgSlots>> BlkgSlots::Map(int fd, int nr_cpus) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t bytes = (sizeof(sw_blkg_cpu_slots) * nr_cpus + page - 1) / page * page;
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    return absl::InternalError(
        absl::StrCat("cannot map the BPF bio slots (", bytes, " bytes): ", ErrnoText(errno),
                     "; the kernel needs BPF_F_MMAPABLE arrays"));
  }
  auto slots = std::make_unique<BlkgSlots>(static_cast<sw_blkg_cpu_slots*>(base), nr_cpus);
  slots->mapped_bytes_ = bytes;
  return slots;
}

BlkgSlots::~BlkgSlots() {
  if (mapped_bytes_ != 0) munmap(cpus_, mapped_bytes_);
}

std::vector<BlkgSlots::Occupied> BlkgSlots::Read() const {
  std::vector<Occupied> out;
  for (int cpu = 0; cpu < nr_cpus_; ++cpu) {
    sw_blkg_cpu_slots& c = cpus_[cpu];
    for (uint32_t i = 0; i < SW_BLKG_SLOTS; ++i) {
      sw_blkg_slot& s = c.slots[i];
      // Most slots are empty: skip them before touching the gen.
      if (LoadShared(s.key.blkg) == 0) continue;
      const uint64_t gen = LoadShared(c.gen[i], std::memory_order_acquire);
      if (gen & 1) continue;
      Occupied o;
      o.cpu = static_cast<uint32_t>(cpu);
      o.index = i;
      o.gen = gen;
      o.key.blkg = LoadShared(s.key.blkg);
      o.key.task_cgroup_id = LoadShared(s.key.task_cgroup_id);
      o.counts.bios = LoadShared(s.counts.bios);
      o.counts.bytes = LoadShared(s.counts.bytes);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (LoadShared(c.gen[i]) != gen || o.key.blkg == 0) continue;  // claimed or cleared meanwhile
      out.push_back(o);
    }
  }
  return out;
}

bool BlkgSlots::Clear(const Occupied& slot, sw_blkg_counters* final) {
  if (slot.cpu >= static_cast<uint32_t>(nr_cpus_) || slot.index >= SW_BLKG_SLOTS) return false;
  sw_blkg_cpu_slots& c = cpus_[slot.cpu];
  sw_blkg_slot& s = c.slots[slot.index];
  // Odd: the program will not claim the slot, and a reader skips it.
  uint64_t expected = slot.gen;
  if (!std::atomic_ref<uint64_t>(c.gen[slot.index])
           .compare_exchange_strong(expected, slot.gen + 1, std::memory_order_acq_rel)) {
    return false;
  }
  // Same gen, so the same key: the program never moves a key out of a slot.
  // A bio of this key landing between these reads and the clear is lost,
  // like any bio of an entry evicted under IO.
  final->bios = LoadShared(s.counts.bios);
  final->bytes = LoadShared(s.counts.bytes);
  StoreShared(s.key.blkg, 0);
  StoreShared(s.key.task_cgroup_id, 0);
  StoreShared(c.gen[slot.index], slot.gen + 2, std::memory_order_release);
  return true;
}

}  // namespace submitwatch
