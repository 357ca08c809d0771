// A loop device backed by a sparse file in a private temporary directory, for
// `submitwatch demo`. The device is configured with LO_FLAGS_AUTOCLEAR and the
// file and its directory are unlinked as soon as it is attached: the kernel
// keeps the file open, so nothing is left on disk whatever happens to us, and
// the device detaches itself when the last user closes it.
#ifndef SUBMITWATCH_CLI_SCRATCH_LOOP_DEVICE_H_
#define SUBMITWATCH_CLI_SCRATCH_LOOP_DEVICE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/unique_fd.h"

namespace submitwatch {

class ScratchLoopDevice {
 public:
  static absl::StatusOr<std::unique_ptr<ScratchLoopDevice>> Create(uint64_t size_bytes);
  ~ScratchLoopDevice();  // detaches and waits until the kernel has let go
  ScratchLoopDevice(const ScratchLoopDevice&) = delete;
  ScratchLoopDevice& operator=(const ScratchLoopDevice&) = delete;

  const std::string& device() const { return device_; }  // "/dev/loop7"
  std::string name() const;                              // "loop7"
  const std::string& backing_dir() const { return backing_dir_; }
  uint32_t major() const { return major_; }
  uint32_t minor() const { return minor_; }
  uint64_t size_bytes() const { return size_bytes_; }

  // Detaches `device` if its backing file still lies under `backing_dir`
  // (after autoclear the number may already belong to someone else), and
  // waits up to `timeout_ms` for it to be free. For the guardian.
  static void DetachIfOurs(const std::string& device, const std::string& backing_dir,
                           int timeout_ms);

 private:
  ScratchLoopDevice() = default;
  std::string device_;
  std::string backing_dir_;
  uint64_t size_bytes_ = 0;
  uint32_t major_ = 0;
  uint32_t minor_ = 0;
  UniqueFd fd_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_SCRATCH_LOOP_DEVICE_H_
