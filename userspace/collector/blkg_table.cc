#include "collector/blkg_table.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "collector/shared_words.h"
#include "common/errno_text.h"

namespace submitwatch {
namespace {

size_t PageRounded(size_t bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BlkgTable>> BlkgTable::Map(int keys_fd, int counts_fd,
                                                          uint32_t stride, int nr_cpus) {
  const size_t names_bytes = PageRounded(sizeof(sw_blkg_table_key) * stride);
  const size_t counts_bytes =
      PageRounded(sizeof(sw_blkg_counters) * stride * static_cast<size_t>(nr_cpus));
  void* names = mmap(nullptr, names_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, keys_fd, 0);
  if (names == MAP_FAILED) {
    return absl::InternalError(absl::StrCat("cannot map the BPF bio table's names (", names_bytes,
                                            " bytes): ", ErrnoText(errno),
                                            "; the kernel needs BPF_F_MMAPABLE arrays"));
  }
  void* counts = mmap(nullptr, counts_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, counts_fd, 0);
  if (counts == MAP_FAILED) {
    const int err = errno;
    munmap(names, names_bytes);
    return absl::InternalError(absl::StrCat("cannot map the BPF bio table (", counts_bytes,
                                            " bytes): ", ErrnoText(err)));
  }
  auto table = std::make_unique<BlkgTable>(static_cast<sw_blkg_table_key*>(names),
                                           static_cast<sw_blkg_counters*>(counts), stride,
                                           nr_cpus);
  table->names_bytes_ = names_bytes;
  table->counts_bytes_ = counts_bytes;
  return table;
}

BlkgTable::~BlkgTable() {
  if (names_bytes_ != 0) munmap(names_, names_bytes_);
  if (counts_bytes_ != 0) munmap(counts_, counts_bytes_);
}

sw_blkg_counters BlkgTable::Counts(uint32_t index) const {
  sw_blkg_counters total{};
  if (index >= stride_) return total;
  for (int cpu = 0; cpu < nr_cpus_; ++cpu) {
    sw_blkg_counters& c = counts_[sw_blkg_table_at(static_cast<uint32_t>(cpu), index, stride_)];
    total.bios += LoadShared(c.bios);
    total.bytes += LoadShared(c.bytes);
  }
  return total;
}

void BlkgTable::Unname(uint32_t index) {
  if (index >= stride_) return;
  sw_blkg_table_key& name = names_[index];
  // No program writes a name it does not hold, and this index's key is out
  // of the hash: ours alone. Odd meanwhile, so a reader skips it.
  const uint64_t gen = std::atomic_ref<uint64_t>(name.gen).fetch_add(1, std::memory_order_acq_rel);
  StoreShared(name.key.blkg, 0);
  StoreShared(name.key.task_cgroup_id, 0);
  StoreShared(name.gen, gen + 2, std::memory_order_release);
}

void BlkgTable::Zero(uint32_t index) {
  if (index >= stride_) return;
  for (int cpu = 0; cpu < nr_cpus_; ++cpu) {
    sw_blkg_counters& c = counts_[sw_blkg_table_at(static_cast<uint32_t>(cpu), index, stride_)];
    StoreShared(c.bios, 0);
    StoreShared(c.bytes, 0);
  }
}

}  // namespace submitwatch
