// The referee's parsers (tests/kernel/kernel_accounting.h), on the kernel's
// own formats as 6.1 and 6.12 print them; no root needed.
#include "kernel_accounting.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace submitwatch::testing {
namespace {

TEST(ParseIoStat, EveryDeviceWithItsSixCountersAndOtherPoliciesKeysIgnored) {
  // blkcg_print_one_stat(): the six counters, then what io.latency and
  // io.cost add on such a device.
  absl::StatusOr<KernelIoByDevice> io = ParseIoStat(
      "7:3 rbytes=4096 wbytes=262144 rios=1 wios=64 dbytes=0 dios=0\n"
      "254:0 rbytes=0 wbytes=8192 rios=0 wios=2 dbytes=1048576 dios=1 use_delay=0 "
      "delay_nsec=0 cost.vrate=100.00 cost.usage=12\n");
  ASSERT_TRUE(io.ok()) << io.status();
  ASSERT_EQ(io->size(), 2u);
  const KernelIo& loop = io->at("7:3");
  EXPECT_EQ(loop.read_ios, 1u);
  EXPECT_EQ(loop.write_ios, 64u);
  EXPECT_EQ(loop.read_bytes, 4096u);
  EXPECT_EQ(loop.write_bytes, 262144u);
  EXPECT_EQ(loop.ios(), 65u);
  EXPECT_EQ(loop.bytes(), 266240u);
  const KernelIo& other = io->at("254:0");
  EXPECT_EQ(other.discard_ios, 1u);
  EXPECT_EQ(other.discard_bytes, 1048576u);
  EXPECT_EQ(other.ios(), 3u);
}

TEST(ParseIoStat, EmptyIsNoDeviceAndGarbageIsAnError) {
  absl::StatusOr<KernelIoByDevice> empty = ParseIoStat("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(ParseIoStat("loop3 rbytes=1\n").ok());
  EXPECT_FALSE(ParseIoStat("7:3 rbytes=many\n").ok());
}

TEST(ParseBlkioThrottle, ReadWriteDiscardPerDeviceFromBothFiles) {
  // tg_print_rwstat() -> blkg_prfill_rwstat(): five operations and a Total
  // per device, then the sum of every device.
  const std::string serviced =
      "7:3 Read 2\n7:3 Write 64\n7:3 Sync 66\n7:3 Async 0\n7:3 Discard 0\n7:3 Total 66\n"
      "7:4 Read 0\n7:4 Write 1\n7:4 Sync 0\n7:4 Async 1\n7:4 Discard 0\n7:4 Total 1\n"
      "Total 67\n";
  const std::string bytes =
      "7:3 Read 8192\n7:3 Write 262144\n7:3 Sync 270336\n7:3 Async 0\n7:3 Discard 0\n"
      "7:3 Total 270336\n"
      "7:4 Read 0\n7:4 Write 4096\n7:4 Sync 0\n7:4 Async 4096\n7:4 Discard 0\n7:4 Total 4096\n"
      "Total 274432\n";
  absl::StatusOr<KernelIoByDevice> io = ParseBlkioThrottle(serviced, bytes);
  ASSERT_TRUE(io.ok()) << io.status();
  ASSERT_EQ(io->size(), 2u);
  EXPECT_EQ(io->at("7:3"), (KernelIo{.read_ios = 2,
                                      .write_ios = 64,
                                      .discard_ios = 0,
                                      .read_bytes = 8192,
                                      .write_bytes = 262144,
                                      .discard_bytes = 0}));
  EXPECT_EQ(io->at("7:4").ios(), 1u);
  EXPECT_EQ(io->at("7:4").bytes(), 4096u);
}

TEST(ParseBlkioThrottle, OnlyTheTotalLineIsNoDevice) {
  // A cgroup that did no throttled-queue IO prints "Total 0" alone.
  absl::StatusOr<KernelIoByDevice> io = ParseBlkioThrottle("Total 0\n", "Total 0\n");
  ASSERT_TRUE(io.ok()) << io.status();
  EXPECT_TRUE(io->empty());
  EXPECT_FALSE(ParseBlkioThrottle("7:3 Write\n", "").ok());
  EXPECT_FALSE(ParseBlkioThrottle("", "7:3 Write x\n").ok());
}

TEST(ReadKernelIo, ReadsTheFilesOfEitherVersion) {
  const std::string dir = ::testing::TempDir() + "kernel-accounting-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/io.stat") << "7:3 rbytes=0 wbytes=4096 rios=0 wios=1 dbytes=0 dios=0\n";
  std::ofstream(dir + "/blkio.throttle.io_serviced") << "7:3 Write 3\n7:3 Total 3\nTotal 3\n";
  std::ofstream(dir + "/blkio.throttle.io_service_bytes")
      << "7:3 Write 12288\n7:3 Total 12288\nTotal 12288\n";
  absl::StatusOr<KernelIoByDevice> v2 = ReadKernelIo(dir, true);
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(v2->at("7:3").write_ios, 1u);
  absl::StatusOr<KernelIoByDevice> v1 = ReadKernelIo(dir, false);
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->at("7:3").write_ios, 3u);
  EXPECT_EQ(v1->at("7:3").write_bytes, 12288u);
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(ReadKernelIo(dir, true).ok());
}

TEST(ToolIoOfBlkg, SumsTheLastSnapshotOfEveryRowChargedToTheBlkg) {
  const auto row = [](uint64_t cgroup_id, bool kthread, const std::string& disk,
                      const std::string& blkg_cgroup, uint64_t bios) {
    BlkgRecord b;
    b.cgroup_id = cgroup_id;
    b.kthread = kthread;
    b.disk = disk;
    b.dev_major = 7;
    b.dev_minor = disk == "loop3" ? 3 : 4;
    b.blkg_cgroup_id = blkg_cgroup == "/a" ? 100 : 1;
    b.blkg_cgroup = blkg_cgroup;
    b.bios = bios;
    b.bytes = bios * 4096;
    return Record{b};
  };
  const std::vector<Record> records = {
      row(100, false, "loop3", "/a", 10),  // the cgroup's own bios, cumulative
      row(100, false, "loop3", "/a", 64),
      row(0, true, "loop3", "/a", 3),      // a kworker's, for /a: the same blkg
      row(100, false, "loop3", "/", 5),    // charged to the root: not /a's blkg
      row(100, false, "loop4", "/a", 7),   // another disk
  };
  const ToolIo io = ToolIoOfBlkg(records, "/a", "loop3");
  EXPECT_EQ(io.bios, 67u);
  EXPECT_EQ(io.bytes, 67u * 4096);
  EXPECT_EQ(ToolIoOfBlkg(records, "/b", "loop3").bios, 0u);
}

TEST(RefereeLine, NamesBothSidesAndTheirParts) {
  EXPECT_EQ(RefereeLine(true, "/a", "loop3", "7:3", {64, 262144},
                        KernelIo{.write_ios = 64, .write_bytes = 262144}),
            "SUBMITWATCH-REFEREE v2 io.stat cgroup=/a disk=loop3 (7:3) tool: bios=64 "
            "bytes=262144 kernel: ios=64 (r=0 w=64 d=0) bytes=262144 (r=0 w=262144 d=0)");
}

}  // namespace
}  // namespace submitwatch::testing
