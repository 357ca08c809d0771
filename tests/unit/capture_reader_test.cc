#include "capture/capture_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "capture/capture_writer.h"
#include "gtest/gtest.h"
#include "tests/unit/capture_test_util.h"

namespace submitwatch {
namespace {

using testing_util::ExpectSameRecord;
using testing_util::FullAlloc;
using testing_util::FullBlkg;
using testing_util::FullHeader;
using testing_util::FullLost;
using testing_util::FullSummary;
using testing_util::FullWq;
using testing_util::TempFile;
using testing_util::FullThrottle;
using testing_util::UserStackAlloc;
using testing_util::WorkerAlloc;

std::string Line(const Record& record) {
  return CaptureWriter::FormatRecord(record) + "\n";
}

std::vector<Record> EveryRecordType() {
  return {FullHeader(), FullAlloc(),    WorkerAlloc(),   UserStackAlloc(), FullBlkg(),
          FullWq(),     FullLost(),     FullThrottle(), FullSummary()};
}

// Formats through CaptureWriter, as `record` does.
void WriteCapture(const TempFile& file, const std::vector<Record>& records) {
  CaptureWriter writer;
  std::string text;
  for (const Record& record : records) writer.AppendLine(record, text);
  file.Write(text);
}

std::string OpenError(const std::string& path) {
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(path);
  EXPECT_FALSE(reader.ok());
  return reader.ok() ? "" : std::string(reader.status().message());
}

std::string ReadAllError(const std::string& path) {
  absl::StatusOr<std::vector<Record>> records = CaptureReader::ReadAll(path);
  EXPECT_FALSE(records.ok());
  return records.ok() ? "" : std::string(records.status().message());
}

// Writes `written` as a capture and expects to read back the same records.
void ExpectRoundTrip(const std::vector<Record>& written) {
  TempFile file;
  WriteCapture(file, written);
  absl::StatusOr<std::vector<Record>> read = CaptureReader::ReadAll(file.path());
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    SCOPED_TRACE(i);
    ExpectSameRecord((*read)[i], written[i]);
  }
}

// Every record Next() gives until it says the capture ended.
void NextUntilTheEnd(CaptureReader& reader, std::vector<Record>* records) {
  while (true) {
    absl::StatusOr<std::optional<Record>> record = reader.Next();
    ASSERT_TRUE(record.ok()) << record.status();
    if (!record->has_value()) return;
    records->push_back(**record);
  }
}

TEST(CaptureReaderTest, RoundTripsEveryRecordTypeWithAllFields) {
  ExpectRoundTrip(EveryRecordType());
}

TEST(CaptureReaderTest, RoundTripsDefaultsAndExtremes) {
  CaptureHeader header;
  header.start_unix_ns = std::numeric_limits<int64_t>::min();
  header.start_monotonic_ns = std::numeric_limits<uint64_t>::max();
  AllocRecord alloc;  // empty strings, empty stack
  alloc.allocator = Allocator::kPage;
  alloc.gfp_raw = std::numeric_limits<uint64_t>::max();
  alloc.task_flags = std::numeric_limits<uint32_t>::max();
  alloc.context = std::numeric_limits<uint32_t>::max();
  alloc.pid = std::numeric_limits<uint32_t>::max();
  alloc.comm = std::string("a\0b", 3);
  BlkgRecord blkg;
  blkg.kthread = true;
  WqRecord wq;
  wq.latency_log2.assign(64, std::numeric_limits<uint64_t>::max());
  LostRecord lost;
  lost.counts = {{"", 0}, {"weird \"reason\"\n", 1}};
  CaptureSummary summary;
  summary.workload_exit = std::numeric_limits<int>::min();
  ExpectRoundTrip({header, alloc, blkg, wq, lost, summary});
}

TEST(CaptureReaderTest, StreamsWithNextAndReportsNothingForACleanCapture) {
  TempFile file;
  WriteCapture(file, EveryRecordType());
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(file.path());
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(reader->header().host, "kvm-07");
  std::vector<size_t> kinds;
  while (true) {
    absl::StatusOr<std::optional<Record>> record = reader->Next();
    ASSERT_TRUE(record.ok()) << record.status();
    if (!record->has_value()) break;
    kinds.push_back((*record)->index());
  }
  EXPECT_EQ(kinds, (std::vector<size_t>{0, 1, 1, 1, 2, 3, 4, 6, 5}));
  // The end stays the end.
  absl::StatusOr<std::optional<Record>> again = reader->Next();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  EXPECT_FALSE(reader->truncated());
  EXPECT_EQ(reader->skipped_records(), 0u);
  EXPECT_EQ(reader->warning(), "");
}

TEST(CaptureReaderTest, InvalidUtf8IsReadBackAsReplacementCharacters) {
  AllocRecord alloc = FullAlloc();
  alloc.comm = "q\xFFmu";
  alloc.cgroup = "/x\xC0\xAF";
  TempFile file(Line(FullHeader()) + Line(alloc) + Line(FullSummary()));
  absl::StatusOr<std::vector<Record>> read = CaptureReader::ReadAll(file.path());
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 3u);
  const AllocRecord& back = std::get<AllocRecord>((*read)[1]);
  EXPECT_EQ(back.comm, "q\xEF\xBF\xBDmu");
  EXPECT_EQ(back.cgroup, "/x\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(CaptureReaderTest, ContextBitsWinOverTheText) {
  // bio_list (8) has no text, so only the bits carry it; the text here lies.
  const std::string alloc =
      R"({"type":"alloc","ts_ns":1,"allocator":"slab","failed":false,"is_atomic":false,)"
      R"("verdict":"atomic","site":"s","site_offset":"s+0x1","gfp_raw":0,"gfp":"x",)"
      R"("effective_gfp":"x","task_flags":0,"context":"other","context_bits":9,)"
      R"("work_func":"","size":1,"bytes":1,"cgroup_id":1,"cgroup":"/","pid":1,"tid":1,)"
      R"("comm":"c","stack":[]})";
  absl::StatusOr<Record> record = ParseRecordLine(alloc);
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(std::get<AllocRecord>(*record).context, kContextSubmit | kContextBioList);
}

TEST(CaptureReaderTest, ContextTextIsTheFallbackWithoutBits) {
  const std::string alloc =
      R"({"type":"alloc","ts_ns":1,"allocator":"PERCPU","failed":false,"is_atomic":false,)"
      R"("site":"s","site_offset":"s+0x1","gfp_raw":0,"task_flags":0,)"
      R"("context":"submit+worker:fn+reclaim","work_func":"fn","size":1,"bytes":1,)"
      R"("cgroup_id":1,"cgroup":"/","pid":1,"tid":1,"comm":"c","stack":["a"]})";
  absl::StatusOr<Record> record = ParseRecordLine(alloc);
  ASSERT_TRUE(record.ok()) << record.status();
  const AllocRecord& r = std::get<AllocRecord>(*record);
  EXPECT_EQ(r.context, kContextSubmit | kContextWorker | kContextReclaim);
  EXPECT_EQ(r.work_func, "fn");
  EXPECT_EQ(r.allocator, Allocator::kPercpu);
}

TEST(CaptureReaderTest, ParseRecordLineErrors) {
  EXPECT_EQ(ParseRecordLine(R"({"type":"gpu"})").status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(ParseRecordLine(R"({"type":"gpu"})").status().message(),
            "unknown record type \"gpu\"");
  EXPECT_EQ(ParseRecordLine("[1]").status().message(), "expected a JSON object, got array");
  EXPECT_EQ(ParseRecordLine(R"({"type":7})").status().message(),
            "record has no \"type\" string field");
  EXPECT_EQ(ParseRecordLine("{").status().message(),
            "column 2: unexpected end of input, expected a string key");
  EXPECT_EQ(ParseRecordLine(R"({"type":"summary","ts_ns":1.5})").status().message(),
            "summary record: field \"ts_ns\": expected an integer in [0, "
            "18446744073709551615], got number");
  EXPECT_EQ(ParseRecordLine(R"({"type":"summary","ts_ns":"1"})").status().message(),
            "summary record: field \"ts_ns\": expected an integer in [0, "
            "18446744073709551615], got string");
  EXPECT_EQ(ParseRecordLine(R"({"type":"summary","ts_ns":1,"duration_ns":2,"events":3,)"
                            R"("lost":4,"workload_exit":2147483648})")
                .status()
                .message(),
            "summary record: field \"workload_exit\": expected an integer in "
            "[-2147483648, 2147483647], got 2147483648");
  EXPECT_EQ(ParseRecordLine(R"({"type":"lost","ts_ns":1,"counts":{"a":-1}})")
                .status()
                .message(),
            "lost record: field \"counts.a\": expected a non-negative integer, got -1");
  EXPECT_EQ(ParseRecordLine(R"({"type":"wq","ts_ns":1,"function":"f","queued":1,)"
                            R"("activated":1,"executed":1,"latency_max_ns":1,)"
                            R"("runtime_max_ns":1,"latency_log2":[1,"2"],"runtime_log2":[]})")
                .status()
                .message(),
            "wq record: field \"latency_log2[1]\": expected a non-negative integer, got "
            "string");
  std::string header = CaptureWriter::FormatRecord(FullHeader());
  header.replace(header.find(R"("mode":"fentry")"), 15, R"("mode":null)");
  EXPECT_EQ(ParseRecordLine(header).status().message(),
            "header record: field \"hooks[1].mode\": expected a string, got null");
  std::string alloc = CaptureWriter::FormatRecord(FullAlloc());
  alloc.replace(alloc.find(R"("allocator":"percpu")"), 20, R"("allocator":"vmalloc")");
  EXPECT_EQ(ParseRecordLine(alloc).status().message(),
            "alloc record: field \"allocator\": unknown allocator \"vmalloc\" (expected "
            "percpu, slab or page)");
}

TEST(CaptureReaderTest, RejectsAFileThatIsNotACapture) {
  TempFile other(R"({"type":"header","format":"perf-script","version":1})" "\n");
  EXPECT_EQ(OpenError(other.path()),
            other.path() + ": line 1: not a submitwatch capture (format \"perf-script\", "
                           "expected \"submitwatch-capture\")");
  TempFile text("hello world\n");
  EXPECT_EQ(OpenError(text.path()),
            text.path() + ": line 1: not a submitwatch capture (not JSON: column 1: "
                          "unexpected 'h', expected a JSON value)");
  TempFile no_format(R"({"type":"header","version":1})" "\n");
  EXPECT_EQ(OpenError(no_format.path()),
            no_format.path() + ": line 1: not a submitwatch capture (format missing, "
                               "expected \"submitwatch-capture\")");
  TempFile not_header(R"({"type":"summary","format":"submitwatch-capture"})" "\n");
  EXPECT_EQ(OpenError(not_header.path()),
            not_header.path() +
                ": line 1: not a submitwatch capture (the first record is not a header)");
  TempFile empty("");
  EXPECT_EQ(OpenError(empty.path()), empty.path() + ": empty file, not a submitwatch capture");
  TempFile blank("\n  \n");
  EXPECT_EQ(OpenError(blank.path()), blank.path() + ": empty file, not a submitwatch capture");
}

TEST(CaptureReaderTest, RejectsACaptureFromANewerVersion) {
  CaptureHeader header = FullHeader();
  header.version = 2;
  TempFile file(Line(header) + Line(FullSummary()));
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(file.path());
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(reader.status().message(),
            file.path() + ": line 1: the capture is format version 2, written by a newer "
                          "submitwatch; this one reads version 1: upgrade submitwatch to "
                          "read it");
  // Version is checked before the rest of the header, whose layout may differ.
  TempFile minimal(R"({"type":"header","format":"submitwatch-capture","version":7})" "\n");
  EXPECT_EQ(OpenError(minimal.path()),
            minimal.path() + ": line 1: the capture is format version 7, written by a "
                             "newer submitwatch; this one reads version 1: upgrade "
                             "submitwatch to read it");
  TempFile zero(R"({"type":"header","format":"submitwatch-capture","version":0})" "\n");
  EXPECT_EQ(OpenError(zero.path()),
            zero.path() + ": line 1: unsupported capture format version 0");
}

TEST(CaptureReaderTest, HeaderMayFollowBlankLines) {
  TempFile file("\n\r\n" + Line(FullHeader()) + "\n" + Line(FullSummary()));
  absl::StatusOr<std::vector<Record>> read = CaptureReader::ReadAll(file.path());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->size(), 2u);
}

TEST(CaptureReaderTest, AcceptsCrlfLineEndings) {
  std::string header = CaptureWriter::FormatRecord(FullHeader());
  std::string summary = CaptureWriter::FormatRecord(FullSummary());
  TempFile file(header + "\r\n" + summary + "\r\n");
  absl::StatusOr<std::vector<Record>> read = CaptureReader::ReadAll(file.path());
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  ExpectSameRecord((*read)[1], FullSummary());
}

TEST(CaptureReaderTest, ToleratesACutOffLastLine) {
  const std::string cut = CaptureWriter::FormatRecord(FullBlkg()).substr(0, 40);
  TempFile file(Line(FullHeader()) + Line(FullAlloc()) + Line(WorkerAlloc()) + cut);
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(file.path());
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::vector<Record> records;
  ASSERT_NO_FATAL_FAILURE(NextUntilTheEnd(*reader, &records));
  ASSERT_EQ(records.size(), 3u);
  ExpectSameRecord(records[0], FullHeader());
  ExpectSameRecord(records[1], FullAlloc());
  ExpectSameRecord(records[2], WorkerAlloc());
  EXPECT_TRUE(reader->truncated());
  EXPECT_EQ(reader->warning(),
            file.path() + ": line 4 is cut off (the recorder stopped while writing it); "
                          "it was dropped and the records before it kept");
  // ReadAll keeps the same records.
  absl::StatusOr<std::vector<Record>> all = CaptureReader::ReadAll(file.path());
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 3u);
}

TEST(CaptureReaderTest, ACompleteLastLineWithoutNewlineIsKept) {
  TempFile file(Line(FullHeader()) + CaptureWriter::FormatRecord(FullSummary()));
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(file.path());
  ASSERT_TRUE(reader.ok()) << reader.status();
  int count = 0;
  while (true) {
    absl::StatusOr<std::optional<Record>> record = reader->Next();
    ASSERT_TRUE(record.ok()) << record.status();
    if (!record->has_value()) break;
    ++count;
  }
  EXPECT_EQ(count, 2);
  EXPECT_FALSE(reader->truncated());
  EXPECT_EQ(reader->warning(), "");
}

TEST(CaptureReaderTest, ACutOffHeaderIsAnError) {
  TempFile file(CaptureWriter::FormatRecord(FullHeader()).substr(0, 30));
  EXPECT_EQ(OpenError(file.path()),
            file.path() + ": line 1: the header line is cut off (the recorder stopped "
                          "while writing it); there is nothing to read");
}

TEST(CaptureReaderTest, MalformedMiddleLineIsAnErrorNamingTheLine) {
  TempFile file(Line(FullHeader()) + Line(FullAlloc()) + "{\"type\":\"alloc\",}\n" +
                Line(FullSummary()));
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(file.path());
  ASSERT_TRUE(reader.ok()) << reader.status();
  // The records before the damage are delivered first.
  ASSERT_TRUE(reader->Next().ok());
  absl::StatusOr<std::optional<Record>> alloc = reader->Next();
  ASSERT_TRUE(alloc.ok());
  ASSERT_TRUE(alloc->has_value());
  ExpectSameRecord(**alloc, FullAlloc());
  const std::string expected =
      file.path() + ": line 3, column 17: unexpected '}', expected a string key";
  absl::StatusOr<std::optional<Record>> bad = reader->Next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), expected);
  // The error sticks: the summary after it is not read.
  EXPECT_EQ(reader->Next().status().message(), expected);
  EXPECT_EQ(ReadAllError(file.path()), expected);
}

TEST(CaptureReaderTest, ACutOffLineFollowedByMoreIsAnError) {
  const std::string cut = CaptureWriter::FormatRecord(FullBlkg()).substr(0, 40);
  TempFile file(Line(FullHeader()) + cut + "\n" + Line(FullSummary()));
  EXPECT_EQ(ReadAllError(file.path()),
            file.path() + ": line 2, column 35: unterminated string");
}

TEST(CaptureReaderTest, BadFieldInTheMiddleNamesLineAndField) {
  std::string alloc = CaptureWriter::FormatRecord(FullAlloc());
  alloc.replace(alloc.find(R"("pid":4242)"), 10, R"("pid":-1)");
  TempFile file(Line(FullHeader()) + alloc + "\n" + Line(FullSummary()));
  EXPECT_EQ(ReadAllError(file.path()),
            file.path() + ": line 2: alloc record: field \"pid\": expected an integer in "
                          "[0, 4294967295], got -1");
  std::string blkg = CaptureWriter::FormatRecord(FullBlkg());
  blkg.replace(blkg.find(R"("disk":"loop3",)"), 15, "");
  TempFile missing(Line(FullHeader()) + "\n" + blkg + "\n");
  EXPECT_EQ(ReadAllError(missing.path()),
            missing.path() + ": line 3: blkg record: missing field \"disk\"");
}

TEST(CaptureReaderTest, SkipsAndCountsUnknownRecordTypes) {
  TempFile file(Line(FullHeader()) + R"({"type":"cpu_sample","cpu":3,"x":[1,{}]})" "\n" +
                Line(FullAlloc()) + R"({"type":"future","nested":{"a":null}})" "\n" +
                Line(FullSummary()));
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(file.path());
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::vector<Record> records;
  ASSERT_NO_FATAL_FAILURE(NextUntilTheEnd(*reader, &records));
  ASSERT_EQ(records.size(), 3u);
  ExpectSameRecord(records[1], FullAlloc());
  ExpectSameRecord(records[2], FullSummary());
  EXPECT_EQ(reader->skipped_records(), 2u);
  EXPECT_FALSE(reader->truncated());
  EXPECT_EQ(reader->warning(),
            file.path() + ": skipped 2 records of unknown type (written by a newer "
                          "submitwatch)");
}

TEST(CaptureReaderTest, UnknownFieldsAreIgnored) {
  std::string summary = CaptureWriter::FormatRecord(FullSummary());
  summary.insert(summary.size() - 1, R"(,"new_field":{"deep":[1,2,3]})");
  TempFile file(Line(FullHeader()) + summary + "\n");
  absl::StatusOr<std::vector<Record>> read = CaptureReader::ReadAll(file.path());
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  ExpectSameRecord((*read)[1], FullSummary());
}

TEST(CaptureReaderTest, ASecondHeaderIsAnError) {
  TempFile file(Line(FullHeader()) + Line(FullSummary()) + Line(FullHeader()));
  EXPECT_EQ(ReadAllError(file.path()),
            file.path() + ": line 3: a second header record; captures cannot be "
                          "concatenated, read each file on its own");
}

TEST(CaptureReaderTest, WarnsWhenTheSummaryIsMissing) {
  TempFile file(Line(FullHeader()) + Line(FullAlloc()));
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(file.path());
  ASSERT_TRUE(reader.ok()) << reader.status();
  while (true) {
    absl::StatusOr<std::optional<Record>> record = reader->Next();
    ASSERT_TRUE(record.ok()) << record.status();
    if (!record->has_value()) break;
  }
  EXPECT_FALSE(reader->truncated());
  EXPECT_EQ(reader->warning(),
            file.path() + ": no summary record at the end: the capture was cut off (the "
            "recorder was killed or its host stopped); everything before is kept");
}

TEST(CaptureReaderTest, OverlongLineIsAnErrorNotAnAllocation) {
  std::string contents = Line(FullHeader());
  contents.append((16 << 20) + 10, 'x');
  contents += "\n";
  TempFile file(contents);
  EXPECT_EQ(ReadAllError(file.path()),
            file.path() + ": line 2: line longer than 16777216 bytes; the capture is "
                          "damaged");
  TempFile huge_first(std::string((16 << 20) + 10, '{'));
  EXPECT_EQ(OpenError(huge_first.path()),
            huge_first.path() + ": line 1: not a submitwatch capture (line longer than "
                                "16777216 bytes)");
}

TEST(CaptureReaderTest, NulBytesInALineAreAnError) {
  std::string summary = CaptureWriter::FormatRecord(FullSummary());
  summary[5] = '\0';
  TempFile file(Line(FullHeader()) + summary + "\n");
  EXPECT_EQ(ReadAllError(file.path()),
            file.path() + ": line 2, column 6: NUL byte inside a string (control "
                          "characters must be escaped)");
}

TEST(CaptureReaderTest, OpenErrorsNameThePathAndTheCause) {
  const std::string missing = ::testing::TempDir() + "/submitwatch_no_such_capture.jsonl";
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(missing);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reader.status().message(),
            "cannot open capture " + missing + ": No such file or directory (ENOENT)");
  const std::string dir = ::testing::TempDir();
  EXPECT_EQ(OpenError(dir), dir + ": read failed: Is a directory (EISDIR)");
}

TEST(CaptureReaderTest, DashReadsStdin) {
  TempFile file(Line(FullHeader()) + Line(FullSummary()));
  const int saved = ::dup(0);
  ASSERT_GE(saved, 0);
  const int fd = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::dup2(fd, 0), 0);
  ::close(fd);
  absl::StatusOr<std::vector<Record>> read = CaptureReader::ReadAll("-");
  ::dup2(saved, 0);
  ::close(saved);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  ExpectSameRecord((*read)[0], FullHeader());

  TempFile bad("nope\n");  // reads as a misspelt null
  const int saved2 = ::dup(0);
  const int fd2 = ::open(bad.path().c_str(), O_RDONLY | O_CLOEXEC);
  ::dup2(fd2, 0);
  ::close(fd2);
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open("-");
  ::dup2(saved2, 0);
  ::close(saved2);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().message(),
            "stdin: line 1: not a submitwatch capture (not JSON: column 1: invalid "
            "literal, expected null)");
}

TEST(CaptureReaderTest, ManyRecordsAcrossReadBoundaries) {
  std::vector<Record> written = {FullHeader()};
  for (uint64_t i = 0; i < 20000; ++i) {
    AllocRecord alloc = FullAlloc();
    alloc.ts_ns = i;
    alloc.comm = std::string(i % 50, 'c');
    written.push_back(alloc);
  }
  written.push_back(FullSummary());
  TempFile file;
  WriteCapture(file, written);
  absl::StatusOr<std::vector<Record>> read = CaptureReader::ReadAll(file.path());
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), written.size());
  for (uint64_t i = 0; i < 20000; ++i) {
    const AllocRecord& alloc = std::get<AllocRecord>((*read)[i + 1]);
    ASSERT_EQ(alloc.ts_ns, i);
    ASSERT_EQ(alloc.comm.size(), i % 50);
  }
}

}  // namespace
}  // namespace submitwatch
