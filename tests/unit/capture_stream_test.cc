// The capture written while recording: lines in order, written out and
// synced at the interval by the writer thread, FILE.partial until Finish(),
// errors that stick. (That formatting a record allocates nothing is
// CaptureWriterTest's; the stream adds a lock and, only while its writer
// falls behind, a buffer that grows to a bound.)
#include "capture/capture_stream.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "capture/capture_reader.h"
#include "capture/capture_writer.h"
#include "gtest/gtest.h"
#include "tests/unit/capture_test_util.h"

namespace submitwatch {
namespace {

namespace fs = std::filesystem;
using testing_util::FullAlloc;
using testing_util::FullHeader;
using testing_util::FullSummary;

class CaptureStreamTest : public ::testing::Test {
 protected:

  std::unique_ptr<CaptureStream> Start(const std::string& path, absl::Duration sync_interval) {
    absl::StatusOr<OutputFile> out = OutputFile::CreateStreaming(path);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return nullptr;
    absl::StatusOr<std::unique_ptr<CaptureStream>> stream =
        CaptureStream::Start(*std::move(out), {.sync_interval = sync_interval});
    EXPECT_TRUE(stream.ok()) << stream.status();
    return stream.ok() ? *std::move(stream) : nullptr;
  }

  static std::string Contents(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Whether the file holds `text` within five seconds.
  static bool Becomes(const std::string& path, const std::string& text) {
    for (int i = 0; i < 250; ++i) {
      if (Contents(path) == text) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  testing_util::ScratchDir scratch_;
  const std::string dir_ = scratch_.path();
  const std::string target_ = dir_ + "/capture.jsonl";
};

TEST_F(CaptureStreamTest, LinesInOrderAndRenamedAtTheEnd) {
  std::unique_ptr<CaptureStream> stream = Start(target_, absl::Seconds(1));
  ASSERT_NE(stream, nullptr);
  std::string expected = CaptureWriter::FormatRecord(FullHeader()) + "\n";
  ASSERT_TRUE(stream->Write(FullHeader()).ok());
  // Many hand-overs to the writer thread, in order.
  for (uint64_t i = 0; i < 5000; ++i) {
    AllocRecord alloc = FullAlloc();
    alloc.ts_ns = i;
    ASSERT_TRUE(stream->Write(alloc).ok());
    expected += CaptureWriter::FormatRecord(alloc) + "\n";
  }
  ASSERT_TRUE(stream->Write(FullSummary()).ok());
  expected += CaptureWriter::FormatRecord(FullSummary()) + "\n";
  EXPECT_TRUE(fs::exists(target_ + ".partial"));
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_FALSE(fs::exists(target_ + ".partial"));
  EXPECT_TRUE(Contents(target_) == expected);
  EXPECT_EQ(stream->stats().bytes, expected.size());
}

TEST_F(CaptureStreamTest, WrittenOutAndSyncedEveryInterval) {
  std::unique_ptr<CaptureStream> stream = Start(target_, absl::Milliseconds(50));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Write(FullHeader()).ok());
  const std::string header = CaptureWriter::FormatRecord(FullHeader()) + "\n";
  // Far below the hand-over size: only the interval writes it out.
  EXPECT_TRUE(Becomes(target_ + ".partial", header)) << Contents(target_ + ".partial");
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_GE(stream->stats().syncs, 1u);
  EXPECT_LE(stream->stats().sync_ns_max, stream->stats().thread_wall_ns);
}

TEST_F(CaptureStreamTest, FlushWritesOutAtOnceAndSyncsOnlyWhenDue) {
  std::unique_ptr<CaptureStream> stream = Start(target_, absl::Hours(1));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Write(FullHeader()).ok());
  stream->Flush();
  const std::string header = CaptureWriter::FormatRecord(FullHeader()) + "\n";
  EXPECT_TRUE(Becomes(target_ + ".partial", header)) << Contents(target_ + ".partial");
  ASSERT_TRUE(stream->Finish().ok());
  // An hour is not (all but) over.
  EXPECT_EQ(stream->stats().syncs, 0u);
}

TEST_F(CaptureStreamTest, ZeroIntervalWritesOnlyWhenTheBufferFillsOrAsked) {
  std::unique_ptr<CaptureStream> stream = Start(target_, absl::ZeroDuration());
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Write(FullHeader()).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Contents(target_ + ".partial"), "");
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_EQ(stream->stats().syncs, 0u);
  EXPECT_EQ(Contents(target_), CaptureWriter::FormatRecord(FullHeader()) + "\n");
}

TEST_F(CaptureStreamTest, KilledMidWayTheReaderKeepsWhatWasWrittenAndSaysCutOff) {
  {
    std::unique_ptr<CaptureStream> stream = Start(target_, absl::Seconds(1));
    ASSERT_NE(stream, nullptr);
    ASSERT_TRUE(stream->Write(FullHeader()).ok());
    ASSERT_TRUE(stream->Write(FullAlloc()).ok());
    // Dropped without Finish(), as when the loop fails; a SIGKILL leaves the
    // same file, less what was not yet written out.
  }
  ASSERT_FALSE(fs::exists(target_));
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(target_ + ".partial");
  ASSERT_TRUE(reader.ok()) << reader.status();
  int records = 0;
  while (true) {
    absl::StatusOr<std::optional<Record>> r = reader->Next();
    ASSERT_TRUE(r.ok()) << r.status();
    if (!r->has_value()) break;
    ++records;
  }
  EXPECT_EQ(records, 2);
  EXPECT_TRUE(absl::StrContains(reader->warning(), "cut off")) << reader->warning();
}

TEST_F(CaptureStreamTest, FullDiskIsAnErrorThatSticks) {
  if (access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  std::unique_ptr<CaptureStream> stream = Start("/dev/full", absl::Seconds(1));
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Write(FullHeader()).ok());
  const absl::Status status = stream->Finish();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(),
            "cannot write the capture: No space left on device (ENOSPC); free space or "
            "write the capture elsewhere");
  EXPECT_EQ(stream->Write(FullSummary()), status);
  EXPECT_EQ(stream->Finish(), status);
}

TEST_F(CaptureStreamTest, ReaderThatLeftIsEpipe) {
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  // Without this the test process would die of SIGPIPE, as the CLI would
  // unless it ignores the signal.
  struct sigaction ignore = {}, old = {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGPIPE, &ignore, &old), 0);
  std::unique_ptr<CaptureStream> stream = Start(fifo, absl::Seconds(1));
  ASSERT_NE(stream, nullptr);
  close(reader);
  ASSERT_TRUE(stream->Write(FullHeader()).ok());
  const absl::Status status = stream->Finish();
  sigaction(SIGPIPE, &old, nullptr);
  EXPECT_EQ(status.message(),
            "cannot write the capture: Broken pipe (EPIPE); the program reading the "
            "output exited");
}

}  // namespace
}  // namespace submitwatch
