// `report` over damaged and hostile captures, through the real binary: each
// gives a one-line error naming the file and the line and a non-zero exit
// (never a crash or a hang); a cut-off last record is a warning, exit 0, and
// the records before it are reported; names with invalid UTF-8 or control
// characters come out as valid UTF-8, valid JSON, and no terminal escapes.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "capture/capture_format.h"
#include "capture/capture_writer.h"
#include "capture/json_parser.h"
#include "gtest/gtest.h"
#include "model/records.h"

namespace submitwatch {
namespace {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string TempPath(const std::string& stem) {
  return absl::StrCat(::testing::TempDir(), "/bad-input-", getpid(), "-", stem);
}

// Runs the binary with separate stdout and stderr.
RunResult RunBinary(const std::string& args) {
  const std::string out = TempPath("stdout"), err = TempPath("stderr");
  const int status = system(
      absl::StrCat(SUBMITWATCH_BINARY, " ", args, " >", out, " 2>", err, " </dev/null").c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Slurp(out);
  r.err = Slurp(err);
  unlink(out.c_str());
  unlink(err.c_str());
  return r;
}

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2)) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

CaptureHeader TestHeader() {
  CaptureHeader header;
  header.host = "testhost";
  header.kernel = "6.18.0-test";
  return header;
}

AllocRecord TestAlloc(uint64_t ts, const std::string& comm) {
  AllocRecord a;
  a.ts_ns = ts;
  a.site = "blkg_alloc";
  a.site_offset = "blkg_alloc+0x4f";
  a.is_atomic = true;
  a.gfp_raw = 1ull << 11;
  a.context = kContextSubmit;
  a.cgroup = "/web";
  a.comm = comm;
  a.size = 160;
  a.bytes = 320;
  a.stack = {"blkg_alloc+0x4f", "submit_bio+0x20"};
  return a;
}

std::string Line(const Record& r) { return CaptureWriter::FormatRecord(r) + "\n"; }

class BadInput : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& p : paths_) unlink(p.c_str());
  }
  std::string Write(const std::string& stem, const std::string& content) {
    const std::string path = TempPath(stem);
    paths_.push_back(path);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  // A failing report: non-zero exit, nothing on stdout, and a first stderr
  // line "submitwatch: PATH: line N..." (`line` 0: no line number expected).
  void ExpectOneLineError(const std::string& path, int line) {
    for (const char* format : {"", " --format json"}) {
      SCOPED_TRACE(absl::StrCat(path, format));
      RunResult r = RunBinary(absl::StrCat("report", format, " ", path));
      EXPECT_NE(r.exit_code, 0) << r.err;
      EXPECT_GT(r.exit_code, 0) << "killed by a signal: " << r.err;
      EXPECT_EQ(r.out, "");
      const std::string first = std::vector<std::string>(absl::StrSplit(r.err, '\n'))[0];
      const std::string prefix = absl::StrCat("submitwatch: ", path, ": ");
      EXPECT_TRUE(absl::StartsWith(first, prefix)) << r.err;
      if (line > 0) {
        EXPECT_TRUE(absl::StartsWith(first, absl::StrCat(prefix, "line ", line))) << r.err;
      }
      EXPECT_LT(first.size(), 400u) << "one short line: " << r.err;
      EXPECT_TRUE(ValidUtf8(r.err)) << r.err;
    }
  }
  std::vector<std::string> paths_;
};

TEST_F(BadInput, EmptyFile) { ExpectOneLineError(Write("empty", ""), 0); }

TEST_F(BadInput, BinaryGarbage) {
  std::string garbage;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245 + 12345;
    garbage.push_back(static_cast<char>(x >> 16));
  }
  ExpectOneLineError(Write("garbage", garbage), 1);
}

TEST_F(BadInput, WrongFormatName) {
  std::string header = Line(Record(TestHeader()));
  header.replace(header.find(kCaptureFormat), std::string(kCaptureFormat).size(), "other-format");
  ExpectOneLineError(Write("format", header), 1);
}

TEST_F(BadInput, FutureVersion) {
  std::string header = Line(Record(TestHeader()));
  const std::string version = absl::StrCat("\"version\":", kCaptureVersion);
  ASSERT_NE(header.find(version), std::string::npos) << header;
  header.replace(header.find(version), version.size(), "\"version\":999");
  const std::string path = Write("version", header + Line(Record(TestAlloc(1, "dd"))));
  ExpectOneLineError(path, 1);
  RunResult r = RunBinary(absl::StrCat("report ", path));
  EXPECT_TRUE(absl::StrContains(r.err, "999")) << r.err;
}

TEST_F(BadInput, TruncatedLastRecordWarnsAndUsesTheRest) {
  const std::string last = Line(Record(TestAlloc(3, "cutoff")));
  const std::string path =
      Write("truncated", Line(Record(TestHeader())) + Line(Record(TestAlloc(1, "before1"))) +
                             Line(Record(TestAlloc(2, "before2"))) + last.substr(0, last.size() / 2));
  RunResult text = RunBinary(absl::StrCat("report ", path));
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(absl::StrContains(text.err, "warning")) << text.err;
  EXPECT_TRUE(absl::StrContains(text.err, path)) << text.err;
  EXPECT_TRUE(absl::StrContains(text.err, "line 4")) << text.err;
  EXPECT_TRUE(absl::StrContains(text.out, "before1")) << text.out;
  EXPECT_TRUE(absl::StrContains(text.out, "before2")) << text.out;
  EXPECT_FALSE(absl::StrContains(text.out, "cutoff")) << text.out;
  RunResult json = RunBinary(absl::StrCat("report --format json ", path));
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(ParseJson(json.out).ok()) << json.out;
}

// A 1 GiB line, sparse (no disk space): the reader stops at its line limit.
TEST_F(BadInput, GiantLineHitsTheLineLimit) {
  const std::string path = Write("giant", Line(Record(TestHeader())) + "{\"type\":\"alloc\",\"comm\":\"");
  ASSERT_EQ(truncate(path.c_str(), off_t{1} << 30), 0);
  static_assert(kMaxCaptureLineBytes < (size_t{1} << 30));
  ExpectOneLineError(path, 2);
  RunResult r = RunBinary(absl::StrCat("report ", path));
  EXPECT_TRUE(absl::StrContains(r.err, "longer than")) << r.err;
}

TEST_F(BadInput, DeeplyNestedJson) {
  const std::string deep(100000, '[');
  ExpectOneLineError(Write("nested", Line(Record(TestHeader())) + "{\"type\":\"alloc\",\"x\":" +
                                         deep + "\n"),
                     2);
  // Nesting in the header line, too.
  ExpectOneLineError(Write("nested-header", std::string(100000, '[') + "\n"), 1);
}

TEST_F(BadInput, InvalidUtf8InTheFileIsAnError) {
  std::string alloc = Line(Record(TestAlloc(1, "COMM")));
  alloc.replace(alloc.find("COMM"), 4, "a\xff\xfe" "b");
  ExpectOneLineError(Write("utf8", Line(Record(TestHeader())) + alloc), 2);
  std::string path_line = Line(Record(TestAlloc(1, "dd")));
  path_line.replace(path_line.find("/web"), 4, "/w\xc3\x28");
  ExpectOneLineError(Write("utf8-path", Line(Record(TestHeader())) + path_line), 2);
}

TEST_F(BadInput, NulBytes) {
  std::string alloc = Line(Record(TestAlloc(1, "dd")));
  alloc.insert(alloc.find("\"comm\""), std::string(3, '\0'));
  ExpectOneLineError(Write("nul", Line(Record(TestHeader())) + alloc), 2);
  std::string in_string = Line(Record(TestAlloc(1, "dd")));
  in_string.insert(in_string.find("\"dd\"") + 2, std::string(1, '\0'));
  ExpectOneLineError(Write("nul-string", Line(Record(TestHeader())) + in_string), 2);
}

// Names a capture may carry legitimately (escaped): invalid UTF-8 given to the
// writer, NUL, ESC sequences, C1 CSI. The report stays valid UTF-8 without
// control characters; the JSON report is valid JSON.
TEST_F(BadInput, HostileNamesComeOutClean) {
  AllocRecord a = TestAlloc(1, std::string("a\xff\xfe" "b\0c\x1b[2J\x07", 11) + "\xc2\x9b" "31m");
  a.cgroup = "/evil\x1b]0;title\x07\n/x\r";
  CaptureHeader header = TestHeader();
  header.host = "host\x1b[31m";
  const std::string path =
      Write("hostile", Line(Record(header)) + Line(Record(a)) + Line(Record(CaptureSummary())));
  RunResult text = RunBinary(absl::StrCat("report ", path));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(ValidUtf8(text.out));
  for (char c : text.out) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 ? u != 0x7F : c == '\n') << "control byte " << int{u} << " in\n"
                                                   << text.out;
  }
  EXPECT_FALSE(absl::StrContains(text.out, "\xc2\x9b"));
  EXPECT_TRUE(absl::StrContains(text.out, "evil")) << text.out;
  RunResult json = RunBinary(absl::StrCat("report --format json ", path));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(ValidUtf8(json.out));
  EXPECT_TRUE(ParseJson(json.out).ok()) << json.out;
}

}  // namespace
}  // namespace submitwatch
