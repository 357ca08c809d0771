// The referee of the readiness tests: the kernel's own per-(cgroup, disk) IO
// accounting, to hold the tool's bios and bytes against. cgroup v2 keeps it
// in io.stat (blk_cgroup_bio_start()), v1 in blkio.throttle.io_serviced and
// io_service_bytes (blk-throttle's per-group counters). Both count each bio
// as it is submitted, where block:block_bio_queue fires; the README ("Ground
// truth", "The kernel's own counters") says where they still differ.
#ifndef SUBMITWATCH_TESTS_KERNEL_KERNEL_ACCOUNTING_H_
#define SUBMITWATCH_TESTS_KERNEL_KERNEL_ACCOUNTING_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/records.h"

namespace submitwatch::testing {

// One cgroup's IO to one disk as the kernel counted it.
struct KernelIo {
  uint64_t read_ios = 0;
  uint64_t write_ios = 0;
  uint64_t discard_ios = 0;
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;
  uint64_t discard_bytes = 0;
  uint64_t ios() const { return read_ios + write_ios + discard_ios; }
  uint64_t bytes() const { return read_bytes + write_bytes + discard_bytes; }
  bool operator==(const KernelIo&) const = default;
};

// By device, "MAJ:MIN".
using KernelIoByDevice = std::map<std::string, KernelIo>;

// v2 io.stat: "7:3 rbytes=0 wbytes=262144 rios=0 wios=64 dbytes=0 dios=0",
// one line per device, other policies' keys after these (ignored).
absl::StatusOr<KernelIoByDevice> ParseIoStat(absl::string_view text);

// v1 blkio.throttle.io_serviced and io_service_bytes: "7:3 Write 64" lines
// per device and operation (Read, Write, Sync, Async, Discard, Total), and a
// last "Total N" line.
absl::StatusOr<KernelIoByDevice> ParseBlkioThrottle(absl::string_view io_serviced,
                                                    absl::string_view io_service_bytes);

// The accounting files of the cgroup directory `dir`, parsed.
absl::StatusOr<KernelIoByDevice> ReadKernelIo(const std::string& dir, bool v2);

// MAJ:MIN of a block device node ("/dev/loop3" -> "7:3").
absl::StatusOr<std::string> DeviceNumbers(const std::string& device);

// The cgroup's accounting on `device`; NotFound when the kernel lists none.
absl::StatusOr<KernelIo> KernelIoOf(const std::string& dir, bool v2, const std::string& device);

// What the tool counted on the blkg of (cgroup, disk): every row charged to
// it, whoever submitted (the kernel's counters are the blkg's too), from the
// last of each row's cumulative snapshots.
struct ToolIo {
  uint64_t bios = 0;
  uint64_t bytes = 0;
};
ToolIo ToolIoOfBlkg(const std::vector<Record>& records, const std::string& cgroup,
                    const std::string& disk);

// "SUBMITWATCH-REFEREE v2 cgroup=/x disk=loop3 (7:3) tool: bios=64
// bytes=262144 kernel: ios=64 (r=0 w=64 d=0) bytes=262144 (r=0 w=262144 d=0)"
std::string RefereeLine(bool v2, const std::string& cgroup, const std::string& disk,
                        const std::string& numbers, const ToolIo& tool, const KernelIo& kernel);

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_KERNEL_KERNEL_ACCOUNTING_H_
