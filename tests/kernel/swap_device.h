// A zram device used as swap, for tests that need real swap-out and swap-in
// IO (memory pressure). It is a fresh device (zram-control/hot_add), so a
// zram0 that someone else uses is left alone; destruction swaps it off,
// resets it and removes it, so no swap is left behind, pass or fail.
#ifndef SUBMITWATCH_TESTS_KERNEL_SWAP_DEVICE_H_
#define SUBMITWATCH_TESTS_KERNEL_SWAP_DEVICE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kernel_fixtures.h"

namespace submitwatch::testing {

class SwapDevice {
 public:
  // A zram device of `size_bytes` (uncompressed), made with mkswap and
  // swapped on at `priority` (higher than any other swap, so pages go there
  // first). Loads the zram module (num_devices=0) when it is not yet there.
  static absl::StatusOr<std::unique_ptr<SwapDevice>> CreateZram(uint64_t size_bytes,
                                                                int priority = 32767);
  // The same, but swap is a loop device over the zram device (direct IO):
  // before 6.3 swap wrote to zram through its ->rw_page, without a bio (no
  // blkg, no block_bio_queue), while a loop device takes bios on every
  // kernel; its worker then sends them on to zram.
  static absl::StatusOr<std::unique_ptr<SwapDevice>> CreateLoopOverZram(uint64_t size_bytes,
                                                                        int priority = 32767);
  ~SwapDevice();
  SwapDevice(const SwapDevice&) = delete;
  SwapDevice& operator=(const SwapDevice&) = delete;

  const std::string& device() const { return device_; }  // "/dev/zram1", "/dev/loop3"
  // Bytes of this device in use as swap now (/proc/swaps), 0 when not listed.
  uint64_t UsedBytes() const;

 private:
  SwapDevice() = default;
  // Adds a zram device of `size_bytes`: sets zram_id_ and device_.
  absl::Status AddZram(uint64_t size_bytes);
  // mkswap and swapon of device_.
  absl::Status SwapOn(int priority);

  int zram_id_ = -1;
  std::string device_;
  std::unique_ptr<LoopDevice> loop_;  // over the zram device, when swap is on a loop
  bool swapped_on_ = false;
};

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_KERNEL_SWAP_DEVICE_H_
