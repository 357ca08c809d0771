// dev_t -> disk name ("loop0", "vda") from /sys/dev/block.
#ifndef SUBMITWATCH_SYMBOLS_DISK_NAMES_H_
#define SUBMITWATCH_SYMBOLS_DISK_NAMES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace submitwatch {

class DiskNames {
 public:
  explicit DiskNames(std::string sysfs_dev_block = "/sys/dev/block")
      : root_(std::move(sysfs_dev_block)) {}
  // "MAJ:MIN" when the device is gone or unknown.
  std::string Name(uint32_t major, uint32_t minor);
  // The disk's diskseq now (0 where the kernel has none, before 5.15), or
  // nullopt when no disk has this dev_t any more. Uncached: it is the check
  // that a disk seen earlier is still the same one.
  std::optional<uint64_t> Sequence(uint32_t major, uint32_t minor) const;
  // The disk is gone; a new one may take its numbers and another name.
  void Forget(uint32_t major, uint32_t minor) { names_.erase(Key(major, minor)); }

 private:
  static uint64_t Key(uint32_t major, uint32_t minor) { return (uint64_t{major} << 32) | minor; }

  std::string root_;
  absl::flat_hash_map<uint64_t, std::string> names_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SYMBOLS_DISK_NAMES_H_
