// dev_t -> disk name ("loop0", "vda") from /sys/dev/block.
#ifndef SUBMITWATCH_SYMBOLS_DISK_NAMES_H_
#define SUBMITWATCH_SYMBOLS_DISK_NAMES_H_

#include <cstdint>
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

 private:
  std::string root_;
  absl::flat_hash_map<uint64_t, std::string> names_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SYMBOLS_DISK_NAMES_H_
