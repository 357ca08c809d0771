#include "capture/line_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/capture_test_util.h"

namespace submitwatch {
namespace {

using testing_util::TempFile;

struct Read {
  std::vector<std::string> lines;
  bool last_terminated = true;
  absl::Status status;
};

Read ReadLines(const std::string& path, size_t max_line_bytes) {
  Read out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  LineReader reader(fd, /*owns_fd=*/true, max_line_bytes);
  while (true) {
    absl::StatusOr<std::optional<LineReader::Line>> line = reader.Next();
    if (!line.ok()) {
      out.status = line.status();
      return out;
    }
    if (!line->has_value()) return out;
    out.lines.emplace_back((*line)->text);
    out.last_terminated = (*line)->terminated;
  }
}

TEST(CaptureLineReaderTest, SplitsLinesAndMarksAnUnterminatedLastLine) {
  TempFile file("a\n\nbc\nd");
  const Read read = ReadLines(file.path(), 100);
  ASSERT_TRUE(read.status.ok()) << read.status;
  EXPECT_EQ(read.lines, (std::vector<std::string>{"a", "", "bc", "d"}));
  EXPECT_FALSE(read.last_terminated);
  TempFile terminated("a\n");
  const Read read2 = ReadLines(terminated.path(), 100);
  EXPECT_EQ(read2.lines, (std::vector<std::string>{"a"}));
  EXPECT_TRUE(read2.last_terminated);
  TempFile empty("");
  EXPECT_TRUE(ReadLines(empty.path(), 100).lines.empty());
}

TEST(CaptureLineReaderTest, LinesLongerThanOneReadArriveWhole) {
  // Sizes around the 256 KiB read size and multiples of it.
  std::vector<std::string> expected;
  std::string contents;
  for (size_t size : {size_t{0}, size_t{1}, size_t{262143}, size_t{262144}, size_t{262145},
                      size_t{900000}, size_t{3}, size_t{524288}}) {
    std::string line(size, static_cast<char>('a' + expected.size()));
    contents += line + "\n";
    expected.push_back(std::move(line));
  }
  TempFile file(contents);
  const Read read = ReadLines(file.path(), 1 << 20);
  ASSERT_TRUE(read.status.ok()) << read.status;
  ASSERT_EQ(read.lines.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(read.lines[i] == expected[i]) << i;
  }
}

TEST(CaptureLineReaderTest, LineLimit) {
  TempFile exact(std::string(10, 'x') + "\n" + std::string(10, 'y'));
  const Read ok = ReadLines(exact.path(), 10);
  ASSERT_TRUE(ok.status.ok()) << ok.status;
  EXPECT_EQ(ok.lines.size(), 2u);
  TempFile over("ab\n" + std::string(11, 'x') + "\n");
  const Read bad = ReadLines(over.path(), 10);
  EXPECT_EQ(bad.lines, (std::vector<std::string>{"ab"}));
  EXPECT_EQ(bad.status.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(bad.status.message(), "line longer than 10 bytes");
  TempFile over_unterminated(std::string(11, 'x'));
  EXPECT_EQ(ReadLines(over_unterminated.path(), 10).status.message(),
            "line longer than 10 bytes");
}

TEST(CaptureLineReaderTest, ReadsFromAPipe) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ASSERT_EQ(::write(fds[1], "x\ny", 3), 3);
  ::close(fds[1]);
  LineReader reader(fds[0], /*owns_fd=*/true, 100);
  absl::StatusOr<std::optional<LineReader::Line>> line = reader.Next();
  ASSERT_TRUE(line.ok() && line->has_value());
  EXPECT_EQ((*line)->text, "x");
  line = reader.Next();
  ASSERT_TRUE(line.ok() && line->has_value());
  EXPECT_EQ((*line)->text, "y");
  EXPECT_FALSE((*line)->terminated);
  line = reader.Next();
  ASSERT_TRUE(line.ok());
  EXPECT_FALSE(line->has_value());
}

}  // namespace
}  // namespace submitwatch
