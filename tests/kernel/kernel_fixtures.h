// RAII fixtures for kernel tests: each makes a real kernel object and removes
// it in its destructor, so a failing assertion still cleans up.
#ifndef SUBMITWATCH_TESTS_KERNEL_KERNEL_FIXTURES_H_
#define SUBMITWATCH_TESTS_KERNEL_KERNEL_FIXTURES_H_

#include <cstdint>
#include <sys/types.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "kernel_accounting.h"
#include "model/records.h"

namespace submitwatch::testing {

// Under CI=true a kernel test that cannot run is a failure, never a skip.
bool InCi();
#define SW_SKIP_OR_FAIL(reason)                                              \
  do {                                                                       \
    if (::submitwatch::testing::InCi()) FAIL() << "CI=true, cannot skip: " << (reason); \
    GTEST_SKIP() << (reason);                                                \
  } while (0)

// Why this host cannot run kernel tests, or empty when it can.
std::string KernelTestPrerequisites();

// The attach mode the tests force with --mode (SUBMITWATCH_TEST_MODE, set by
// scripts/qemu-test inside the second kernel); empty: let the tool choose.
std::string TestMode();
// The submitwatch command line for `subcommand`, with --mode when forced.
std::vector<std::string> SubmitwatchCommand(const std::string& subcommand,
                                            std::vector<std::string> args);

// A sparse file attached to a free loop device.
class LoopDevice {
 public:
  static absl::StatusOr<std::unique_ptr<LoopDevice>> Create(uint64_t size_bytes);
  // The same on a block device added for it (LOOP_CTL_ADD) and deleted on
  // destruction: its inode and page cache are new, so no earlier writer's
  // cgroup owns their writeback (v2 charges writeback to that owner).
  static absl::StatusOr<std::unique_ptr<LoopDevice>> CreateNew(uint64_t size_bytes);
  // A loop device whose backing file is another block device, in direct-IO
  // mode: its kworker then submits bios to `lower` on behalf of the cgroup
  // that wrote to it. `sector_size` (0: the loop's default, 512) must be at
  // least `lower`'s logical block size, or loop quietly does buffered IO.
  static absl::StatusOr<std::unique_ptr<LoopDevice>> CreateOver(const std::string& lower,
                                                                uint32_t sector_size = 0);
  ~LoopDevice();
  const std::string& device() const { return device_; }  // "/dev/loop3"
  std::string name() const;                               // "loop3"
  // Also delete the block device on destruction (LOOP_CTL_REMOVE), not only
  // detach it: its disk and blkgs go away, as when a real disk is removed.
  void RemoveDeviceOnDestroy() { remove_device_ = true; }

 private:
  std::string backing_file_;
  std::string device_;
  bool remove_device_ = false;
};

// A fresh child cgroup of the hierarchy that carries the io controller,
// whichever the host has: v1 blkio, or v2 with "io" enabled in the root's
// cgroup.subtree_control (else Create fails and says so: a child without
// its own io css would be charged to the root).
class TestCgroup {
 public:
  static absl::StatusOr<std::unique_ptr<TestCgroup>> Create(const std::string& name);
  ~TestCgroup();
  const std::string& dir() const { return dir_; }    // ".../blkio/x" v1, "/sys/fs/cgroup/x" v2
  const std::string& path() const { return path_; }  // "/x" as submitwatch reports it
  bool v2() const { return v2_; }
  // Limits writes to `device` (bytes/s): v1 blkio.throttle.write_bps_device,
  // v2 io.max wbps. LimitReadBps likewise (read_bps_device, rbps).
  absl::Status LimitWriteBps(const std::string& device, uint64_t bps);
  absl::Status LimitReadBps(const std::string& device, uint64_t bps);
  // Whether this cgroup got a limit on `device`.
  bool Limits(const std::string& device) const { return limited_.contains(device); }

 private:
  absl::Status Limit(const std::string& device, const std::string& v1_file,
                     const std::string& v2_key, uint64_t bps);

  std::string dir_;
  std::string path_;
  bool v2_ = false;
  std::set<std::string> limited_;  // devices
};

// Makes the kernel keep its own per-cgroup counters of `device` for the
// referee (ExpectKernelAgrees) while it lives. v2's io.stat always counts.
// v1's are blk-throttle's, which since "blk-throttle: delay initialization
// until configuration" (6.12 has it, 6.1 not) count nothing on a disk no
// limit was ever set for: a cgroup of its own gets a read limit no IO
// reaches, and blk-throttle is on for the disk until it goes away.
class KernelAccounting {
 public:
  static absl::StatusOr<std::unique_ptr<KernelAccounting>> On(const std::string& device);

 private:
  std::unique_ptr<TestCgroup> limited_;  // v1 only
};

// Whether the kernel's counters include the bios of a cgroup that has no
// limit of its own on the disk (with one they always do): always on v2. On v1 Debian's 6.1 counts
// only in blk-throttle's slow path, which only a cgroup with a limit takes
// (setting one would make the cgroup's blkg before its first bio, which the
// readiness tests must see made); 6.12 counts every bio. Found out once per
// process: a fresh cgroup writes one block to a loop device of its own.
bool KernelCountsCgroupsWithoutLimits();

// The referee (kernel_accounting.h): the tool's bios and bytes on the blkg of
// (cgroup, device) in `records` equal the kernel's own accounting of the
// cgroup on that device; prints both as a SUBMITWATCH-REFEREE line. For a
// fresh cgroup whose IO all ran while the tool recorded. Where the kernel
// keeps no count for it (above; `limited`: the cgroup has a limit on the
// device) the line says so and the kernel's figures must be zero. `splits`:
// the queue may have split bios (a swapped-out folio of 2 MiB, say), which
// the kernel counts as an io per part: the bytes agree, the ios are at
// least the bios. Returns the kernel's figures when it keeps them.
std::optional<KernelIo> ExpectKernelAgrees(const std::vector<Record>& records,
                                           const TestCgroup& cgroup, const std::string& device);
// The same for a cgroup directory `dir` whose path submitwatch shows as `path`.
std::optional<KernelIo> ExpectKernelAgrees(const std::vector<Record>& records,
                                           const std::string& dir, bool v2,
                                           const std::string& path, const std::string& device,
                                           bool limited = false, bool splits = false);

// The (cgroup, disk) pair of a readiness test: a fresh 64 MiB loop device
// whose kernel counters are kept (KernelAccounting) and a fresh cgroup named
// `prefix` + the running test's name; skipped (or failed under CI) where
// kernel tests cannot run (gtest then runs no test body). A test's own
// SetUp and TearDown call these.
class FreshPairTest : public ::testing::Test {
 protected:
  // `new_disk`: the loop device is a new block device (LoopDevice::CreateNew).
  explicit FreshPairTest(std::string prefix = "", bool new_disk = false)
      : prefix_(std::move(prefix)), new_disk_(new_disk) {}
  void SetUp() override;
  void TearDown() override;

  std::unique_ptr<LoopDevice> loop_;
  std::unique_ptr<KernelAccounting> accounting_;
  std::unique_ptr<TestCgroup> cgroup_;

 private:
  std::string prefix_;
  bool new_disk_;
};

// Runs dd writing `blocks` 4 KiB blocks with O_DIRECT to `device` from a
// child that first joins `cgroup_dir`; returns its exit code.
int DirectWritesFromCgroup(const std::string& cgroup_dir, const std::string& device, int blocks);

// Runs a command; returns its exit status and captured stdout+stderr.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::vector<std::string>& argv);

// `submitwatch record -o capture ARGS...` in the background, stderr in a
// file. Start() returns once it says it is attached; destruction kills it.
class RecordProcess {
 public:
  static absl::StatusOr<std::unique_ptr<RecordProcess>> Start(
      const std::string& capture, const std::vector<std::string>& args = {});
  ~RecordProcess();
  pid_t pid() const { return pid_; }
  // Sends `signal`, waits; the exit code (128 + signal when killed by one).
  int Stop(int signal);
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::string stderr_path_;
};

// Resident set of a process now, from /proc/PID/status (0 when gone).
uint64_t RssKib(pid_t pid);

// A capability set of a process ("CapEff", "CapBnd", ...) from
// /proc/PID/status; nullopt when the process or the field is gone.
std::optional<uint64_t> CapabilityMask(pid_t pid, const std::string& field);
// What record and top keep once attached: CAP_DAC_OVERRIDE,
// CAP_DAC_READ_SEARCH, CAP_PERFMON, CAP_BPF (cli/privileges.h).
inline constexpr uint64_t kCapabilitiesKeptAfterAttach =
    (1ull << 1) | (1ull << 2) | (1ull << 38) | (1ull << 39);
// What a live command of `pid` may hold once attached: the above, and
// CAP_IPC_LOCK where its RLIMIT_MEMLOCK is below the 256 MiB it asks for
// (no CAP_SYS_RESOURCE to raise it), which its locked memory then needs
// (cli/memory_pressure.h).
uint64_t CapabilitiesAllowedAfterAttach(pid_t pid);

std::string ShellQuote(const std::string& s);
std::string TempPath(const std::string& stem);

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_KERNEL_KERNEL_FIXTURES_H_
