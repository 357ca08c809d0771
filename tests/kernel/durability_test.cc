// A capture outlives the recorder: `record` is killed (SIGKILL) 5 s into a
// run of steady IO whose every second goes to a cgroup of its own, with a
// known number of bios. The capture it leaves under FILE.partial must read
// with a "cut off" warning and hold the exact counts of at least the first
// four seconds; what was lost is at most about one snapshot interval.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "model/records.h"
#include "process_in_cgroups.h"

namespace submitwatch::testing {
namespace {

constexpr int kSeconds = 8;         // cgroups made; the workload is killed before the last
constexpr int kBiosPerSecond = 64;  // 4 KiB O_DIRECT writes, each one bio
constexpr uint64_t kBlockSize = 4096;
constexpr int kKillAfterSeconds = 5;

uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void SleepUntil(uint64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000ull),
              static_cast<long>(ns % 1'000'000'000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

// Second k: join cgroup k, write kBiosPerSecond blocks, wait for second k+1.
// Runs in a forked child: system calls only.
struct SteadyIo {
  std::vector<std::string> procs;  // cgroup.procs of each second's cgroup
  std::string device;
  uint64_t start_ns = 0;

  int Run() const {
    const int fd = open(device.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
    void* block = mmap(nullptr, kBlockSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (fd < 0 || block == MAP_FAILED) return 2;
    memset(block, 0x5a, kBlockSize);
    char self[24];
    const int len = snprintf(self, sizeof(self), "%d", getpid());
    for (size_t k = 0; k < procs.size(); ++k) {
      const int cg = open(procs[k].c_str(), O_WRONLY | O_CLOEXEC);
      if (cg < 0 || write(cg, self, static_cast<size_t>(len)) != len) return 3;
      close(cg);
      for (int i = 0; i < kBiosPerSecond; ++i) {
        const off_t at = static_cast<off_t>((k * kBiosPerSecond + i) * kBlockSize);
        if (pwrite(fd, block, kBlockSize, at) != static_cast<ssize_t>(kBlockSize)) return 4;
      }
      SleepUntil(start_ns + (k + 1) * 1'000'000'000ull);
    }
    return 0;
  }
};

TEST(Durability, SigkilledRecordLeavesAPartialCaptureWithTheFirstSecondsExact) {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  auto loop = LoopDevice::Create(64ull << 20);
  ASSERT_TRUE(loop.ok()) << loop.status();
  std::vector<std::unique_ptr<TestCgroup>> seconds;
  SteadyIo io;
  io.device = (*loop)->device();
  for (int k = 0; k < kSeconds; ++k) {
    auto cg = TestCgroup::Create(absl::StrCat("durability-second-", k));
    ASSERT_TRUE(cg.ok()) << cg.status();
    io.procs.push_back((*cg)->dir() + "/cgroup.procs");
    seconds.push_back(*std::move(cg));
  }
  const std::string capture = TempPath("durable.jsonl");
  const std::string partial = capture + ".partial";

  auto record = RecordProcess::Start(capture);
  ASSERT_TRUE(record.ok()) << record.status();
  io.start_ns = MonotonicNs();
  auto workload = ProcessInCgroups::Fork({}, [&io] { return io.Run(); });
  ASSERT_TRUE(workload.ok()) << workload.status();
  SleepUntil(io.start_ns + kKillAfterSeconds * 1'000'000'000ull);
  ASSERT_TRUE((*workload)->Running()) << "the workload ended early: " << (*workload)->Wait();
  EXPECT_EQ((*record)->Stop(SIGKILL), 128 + SIGKILL);
  const uint64_t killed_ns = MonotonicNs();
  (*workload)->Stop(SIGKILL);

  // Where a clean end would have renamed it: still FILE.partial, private.
  EXPECT_NE(access(capture.c_str(), F_OK), 0);
  struct stat st {};
  ASSERT_EQ(stat(partial.c_str(), &st), 0) << partial;
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(partial);
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::vector<Record> records;
  while (true) {
    absl::StatusOr<std::optional<Record>> r = reader->Next();
    ASSERT_TRUE(r.ok()) << r.status();
    if (!r->has_value()) break;
    records.push_back(**r);
  }
  EXPECT_TRUE(absl::StrContains(reader->warning(), "cut off")) << reader->warning();
  ASSERT_FALSE(records.empty());
  EXPECT_FALSE(std::holds_alternative<CaptureSummary>(records.back()));

  // Cumulative snapshots: the last row of each second's cgroup holds its
  // total. The first four seconds were done well before the kill.
  std::vector<uint64_t> bios(kSeconds, 0), bytes(kSeconds, 0);
  uint64_t last_snapshot_ns = 0;
  for (const Record& r : records) {
    const BlkgRecord* b = std::get_if<BlkgRecord>(&r);
    if (b == nullptr) continue;
    last_snapshot_ns = std::max(last_snapshot_ns, b->ts_ns);
    for (int k = 0; k < kSeconds; ++k) {
      if (b->cgroup == seconds[k]->path() && b->disk == (*loop)->name() && !b->kthread) {
        bios[k] = b->bios;
        bytes[k] = b->bytes;
      }
    }
  }
  for (int k = 0; k < kKillAfterSeconds - 1; ++k) {
    SCOPED_TRACE(absl::StrCat("second ", k));
    EXPECT_EQ(bios[k], static_cast<uint64_t>(kBiosPerSecond));
    EXPECT_EQ(bytes[k], kBiosPerSecond * kBlockSize);
  }
  // What was lost: the records after the last snapshot that reached the
  // disk. At most about one snapshot interval (1 s), plus a second of slack
  // for a loaded machine.
  ASSERT_GT(last_snapshot_ns, 0u);
  const double lost_s = static_cast<double>(killed_ns - last_snapshot_ns) / 1e9;
  printf("SIGKILL %d s in: the last snapshot in the capture is %.2f s before the kill\n",
         kKillAfterSeconds, lost_s);
  RecordProperty("lost_seconds", absl::StrCat(lost_s));
  EXPECT_LE(lost_s, 2.0);

  // report reads it, saying it was cut off.
  CommandResult report = RunCommand({SUBMITWATCH_BINARY, "report", partial});
  EXPECT_EQ(report.exit_code, 0) << report.output;
  EXPECT_TRUE(absl::StrContains(report.output, "cut off")) << report.output;
  EXPECT_TRUE(absl::StrContains(report.output, seconds[0]->path())) << report.output;
  unlink(partial.c_str());
}

}  // namespace
}  // namespace submitwatch::testing
