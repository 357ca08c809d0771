// Where the tool's per-blkg counts and the kernel's own (io.stat on v2,
// blkio.throttle.* on v1: kernel_accounting.h) part ways, observed rather
// than assumed. Both count a bio where block:block_bio_queue fires, so they
// agree bio for bio, except:
//
// * a bio the queue splits: the kernel counts its bytes once and one io per
//   part (the remainder is resubmitted through submit_bio_noacct(), which
//   counts again but, the bio being traced already, fires no second
//   block_bio_queue); the tool counts one bio.
// * on neither side, but worth knowing: v2 charges writeback to the cgroup
//   that owns the inode's writeback (cgroup writeback: the first to dirty
//   it, later the one dirtying it most, or an ancestor once it is gone),
//   whoever writes back; v1 to the task that writes back: the writer in
//   fsync or the last close, else sync's or the flusher's, here the root's.
//   These tests take a new block device, whose inode no one dirtied before.
//
// Merges change neither: plugs merge bios into requests after both counted.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_accounting.h"
#include "kernel_fixtures.h"
#include "model/records.h"

namespace submitwatch::testing {
namespace {

class RefereeTest : public FreshPairTest {
 protected:
  RefereeTest() : FreshPairTest("", /*new_disk=*/true) {}

  void SetUp() override {
    FreshPairTest::SetUp();
    capture_ = TempPath("referee.jsonl");
  }

  void TearDown() override {
    unlink(capture_.c_str());
    FreshPairTest::TearDown();
  }

  // `sh -c` script: join the cgroup, then dd DD_ARGS to the loop device.
  std::string DdScript(const std::string& dd_args) const {
    return absl::StrCat("echo $$ > ", ShellQuote(cgroup_->dir() + "/cgroup.procs"),
                        " && exec dd if=/dev/zero of=", ShellQuote(loop_->device()), " ", dd_args,
                        " status=none");
  }

  // `record -- sh -c SCRIPT`, read back.
  std::vector<Record> RecordScript(const std::string& script) {
    CommandResult r = RunCommand(SubmitwatchCommand(
        "record", {"-o", capture_, "--interval", "200ms", "--", "sh", "-c", script}));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto records = CaptureReader::ReadAll(capture_);
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? *records : std::vector<Record>{};
  }

  std::vector<Record> RecordDd(const std::string& dd_args) {
    return RecordScript(DdScript(dd_args));
  }

  void Print(const ToolIo& tool, const KernelIo& kernel) {
    absl::StatusOr<std::string> numbers = DeviceNumbers(loop_->device());
    printf("%s\n", RefereeLine(cgroup_->v2(), cgroup_->path(), loop_->name(),
                               numbers.ok() ? *numbers : "?", tool, kernel)
                       .c_str());
    fflush(stdout);
  }

  std::string capture_;
};

TEST_F(RefereeTest, ASplitBioIsOneBioToTheToolAndAnIoPerPartToTheKernel) {
  // 1 MiB O_DIRECT writes are one bio each (256 pages, BIO_MAX_VECS); the
  // queue takes 64 KiB at most, so each is split into 16 parts.
  const std::string limit = absl::StrCat("/sys/block/", loop_->name(), "/queue/max_sectors_kb");
  {
    std::ofstream f(limit);
    f << "64\n";
    f.close();
    ASSERT_TRUE(f) << "cannot write " << limit;
  }
  constexpr uint64_t kWrites = 2, kMiB = 1 << 20;
  // A kernel that counts only cgroups with a limit (v1 on 6.1) gets one no
  // write reaches: it counts in blk-throttle's slow path then, where a bio
  // is counted once and its resubmitted parts, throttled already, pass by.
  const bool limited = !KernelCountsCgroupsWithoutLimits();
  if (limited) {
    ASSERT_TRUE(cgroup_->LimitWriteBps(loop_->device(), 1ull << 40).ok());
  }
  std::vector<Record> records = RecordDd(absl::StrCat("bs=1M count=", kWrites, " oflag=direct"));
  ASSERT_FALSE(records.empty());
  const ToolIo tool = ToolIoOfBlkg(records, cgroup_->path(), loop_->name());
  absl::StatusOr<KernelIo> kernel = KernelIoOf(cgroup_->dir(), cgroup_->v2(), loop_->device());
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  Print(tool, *kernel);
  EXPECT_EQ(tool.bios, kWrites);
  EXPECT_EQ(tool.bytes, kWrites * kMiB);
  EXPECT_EQ(kernel->write_ios, limited ? kWrites : kWrites * (kMiB / (64 << 10)));
  EXPECT_EQ(kernel->bytes(), tool.bytes);
}

TEST_F(RefereeTest, WritebackInTheWritersOwnContextIsItsOwnOnEitherVersion) {
  // fsync (and the last close of a block device) writes the dirty pages
  // back from dd itself (v1: its blkg), which dirtied the new disk's pages
  // first (v2: the owner of their writeback).
  constexpr uint64_t kBytes = 64 * 4096;
  std::vector<Record> records = RecordDd("bs=4096 count=64 conv=fsync");
  ASSERT_FALSE(records.empty());
  // Bio for bio, however the queue then merges them into requests.
  ExpectKernelAgrees(records, *cgroup_, loop_->device());
  EXPECT_EQ(ToolIoOfBlkg(records, cgroup_->path(), loop_->name()).bytes, kBytes);
}

TEST_F(RefereeTest, WritebackByAnotherTaskIsTheDirtiersOnV2AndTheRootsOnV1) {
  // Held open here, the device's last close is not dd's: its dirty pages
  // wait for `sync`, run from the root cgroup, to write them back.
  constexpr uint64_t kBytes = 64 * 4096;
  const int held = open(loop_->device().c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held, 0);
  std::vector<Record> records = RecordScript(absl::StrCat(
      "sh -c ", ShellQuote(DdScript("bs=4096 count=64")), " && sync"));
  close(held);
  ASSERT_FALSE(records.empty());
  const ToolIo tool = ToolIoOfBlkg(records, cgroup_->path(), loop_->name());
  const ToolIo root = ToolIoOfBlkg(records, "/", loop_->name());
  // v1 has no cgroup writeback: the cgroup has no blkg on the disk at all.
  absl::StatusOr<KernelIo> kernel = KernelIoOf(cgroup_->dir(), cgroup_->v2(), loop_->device());
  if (cgroup_->v2()) {
    ExpectKernelAgrees(records, *cgroup_, loop_->device());
    EXPECT_EQ(tool.bytes, kBytes);
    EXPECT_EQ(root.bytes, 0u);
  } else {
    EXPECT_TRUE(absl::IsNotFound(kernel.status())) << kernel.status();
    Print(tool, KernelIo{});
    EXPECT_EQ(tool.bios, 0u);
    EXPECT_EQ(root.bytes, kBytes);
  }
}

}  // namespace
}  // namespace submitwatch::testing
