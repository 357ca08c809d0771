// `submitwatch top --replay` of a host with 20,000 (cgroup, disk) pairs, as
// a user sees it in a tmux pane: the first frame, with every pair counted,
// within a second, and `/` filtering applied within one refresh. No
// privileges.
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "capture/capture_stream.h"
#include "capture/output_file.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "model/records.h"
#include "tmux_driver.h"

namespace submitwatch::testing {
namespace {

constexpr int kPairs = 20000;
constexpr int kDisks = 4;
constexpr uint64_t kStart = 1'000'000'000;
constexpr uint64_t kSecond = 1'000'000'000;

// 5,000 cgroups on 4 disks, one snapshot each a second apart; every 7th
// pair falls back to the root's blkg.
BlkgRecord Pair(int i, uint64_t ts, uint64_t bios) {
  BlkgRecord r;
  r.ts_ns = ts;
  r.first_seen_ns = kStart + 1;
  const int cgroup = i / kDisks;
  r.cgroup_id = 1000 + static_cast<uint64_t>(cgroup);
  r.cgroup = absl::StrFormat("/kubepods/pod%05d/ctr", cgroup);
  r.dev_major = 8;
  r.dev_minor = static_cast<uint32_t>(i % kDisks) * 16;
  r.disk = std::string("sd") + static_cast<char>('a' + i % kDisks);
  const bool fallback = i % 7 == 6;
  r.blkg_cgroup_id = fallback ? 1 : r.cgroup_id;
  r.blkg_cgroup = fallback ? "/" : r.cgroup;
  r.online = true;
  r.has_stats = !fallback;
  r.bios = bios;
  r.bytes = bios * 4096;
  return r;
}

bool WriteCapture(const std::string& path) {
  absl::StatusOr<OutputFile> out = OutputFile::Create(path);
  if (!out.ok()) return false;
  absl::StatusOr<std::unique_ptr<CaptureStream>> writer =
      CaptureStream::Start(*std::move(out), {.sync_interval = absl::ZeroDuration()});
  if (!writer.ok()) return false;
  CaptureHeader header;
  header.tool_version = "0.1.0";
  header.host = "scale-test-host";
  header.kernel = "6.18.0-scaletest";
  header.start_monotonic_ns = kStart;
  header.hooks = {{"block_bio_queue", "tracepoint", "none"}};
  bool ok = (*writer)->Write(Record(header)).ok();
  for (uint64_t snapshot = 1; snapshot <= 2; ++snapshot) {
    for (int i = 0; i < kPairs && ok; ++i) {
      ok = (*writer)
               ->Write(Record(Pair(i, kStart + snapshot * kSecond, snapshot * (i % 50 + 1))))
               .ok();
    }
  }
  return ok && (*writer)->Finish().ok();
}

class TopScaleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = TmuxDriver::Unavailable(); !why.empty()) SW_SKIP_OR_FAIL(why);
    capture_ = TempPath("tui-scale.jsonl");
    ASSERT_TRUE(WriteCapture(capture_));
  }
  void TearDown() override {
    tmux_.reset();
    unlink(capture_.c_str());
  }

  std::string capture_;
  std::unique_ptr<TmuxDriver> tmux_;
  std::vector<std::string> screen_;
};

TEST_F(TopScaleTest, FirstFrameWithinASecondAndFilterWithinOneRefresh) {
  tmux_ = std::make_unique<TmuxDriver>();
  const absl::Time start = absl::Now();
  ASSERT_TRUE(tmux_->Start(absl::StrCat(ShellQuote(SUBMITWATCH_BINARY), " top --replay ",
                                        ShellQuote(capture_), " --speed 0 --interval 1s"),
                           200, 50));
  // Every pair counted in the tab, and rows of the table on screen.
  ASSERT_TRUE(tmux_->WaitFor(
      [](const std::vector<std::string>& lines) {
        return FindLine(lines, {absl::StrCat("1 Cgroups (", kPairs, ")")}) >= 0 &&
               FindLine(lines, {"/kubepods/pod", "sd"}) >= 0;
      },
      &screen_, absl::Seconds(10), /*settled=*/false))
      << Joined(screen_);
  const absl::Duration first_frame = absl::Now() - start;
  EXPECT_LE(first_frame, absl::Seconds(1)) << "first frame after " << first_frame;

  // One cgroup of 5,000: its 4 disks' rows, within one refresh of Enter.
  tmux_->Type("/pod01234");
  const absl::Time typed = absl::Now();
  tmux_->Keys({"Enter"});
  ASSERT_TRUE(tmux_->WaitFor(
      [](const std::vector<std::string>& lines) {
        return FindLine(lines, {absl::StrCat("1 Cgroups (4/", kPairs, ")")}) >= 0;
      },
      &screen_, absl::Seconds(10), /*settled=*/false))
      << Joined(screen_);
  const absl::Duration filtered = absl::Now() - typed;
  EXPECT_LE(filtered, absl::Seconds(1)) << "filter applied after " << filtered;
  int rows = 0;
  for (const std::string& line : screen_) rows += FindLine({line}, {"/kubepods/pod01234/ctr"}) == 0;
  EXPECT_EQ(rows, 4) << Joined(screen_);
  tmux_->Keys({"q"});
  int status = -1;
  ASSERT_TRUE(tmux_->WaitForExit(&status));
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace submitwatch::testing
