// --btf: a missing or corrupt file is a clear error, and a kernel whose types
// lack a tracepoint gets that hook reported unavailable while the rest works.
// A tracepoint is "removed" by renaming its btf_trace_ typedef in a copy of
// this kernel's BTF, which is how the loader tells whether it exists.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"

namespace submitwatch::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class BtfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  }
  void TearDown() override {
    for (const std::string& f : files_) unlink(f.c_str());
  }
  std::string File(const std::string& stem) {
    files_.push_back(TempPath(stem));
    return files_.back();
  }
  // `record --btf btf` exits 1 with `message` and leaves no capture.
  void ExpectRefused(const std::string& btf, const std::string& message) {
    const std::string capture = File("btf-refused.jsonl");
    CommandResult r =
        RunCommand(SubmitwatchCommand("record", {"--btf", btf, "-d", "1s", "-o", capture}));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, message)) << r.output;
    EXPECT_NE(access(capture.c_str(), F_OK), 0);
  }
  std::vector<std::string> files_;
};

TEST_F(BtfTest, MissingFileIsAClearErrorAndWritesNothing) {
  const std::string btf = File("no-such-btf");
  ExpectRefused(btf, absl::StrCat("--btf ", btf, ": cannot read it"));
}

TEST_F(BtfTest, CorruptFileIsAClearErrorAndWritesNothing) {
  const std::string btf = File("corrupt-btf");
  std::string garbage = Slurp("/sys/kernel/btf/vmlinux").substr(0, 4096);
  ASSERT_FALSE(garbage.empty());
  for (size_t i = 0; i < garbage.size(); i += 7) garbage[i] = static_cast<char>(i * 31);
  Spit(btf, garbage);
  ExpectRefused(btf, absl::StrCat("--btf ", btf, ": not a valid BTF file"));
}

TEST_F(BtfTest, TracepointMissingFromTheKernelIsUnavailableAndTheRestWorks) {
  std::string types = Slurp("/sys/kernel/btf/vmlinux");
  const std::string name = std::string("btf_trace_workqueue_queue_work") + '\0';
  const size_t at = types.find(name);
  ASSERT_NE(at, std::string::npos);
  types[at] = 'x';  // "xtf_trace_...": the typedef is gone, the string table intact
  const std::string btf = File("btf-without-queue-work");
  Spit(btf, types);

  absl::StatusOr<std::unique_ptr<LoopDevice>> loop = LoopDevice::Create(16 << 20);
  ASSERT_TRUE(loop.ok()) << loop.status();
  const std::string capture = File("btf-missing-tp.jsonl");
  CommandResult r = RunCommand(SubmitwatchCommand(
      "record", {"--btf", btf, "-o", capture, "--", "dd", "if=/dev/zero",
                 "of=" + (*loop)->device(), "bs=4096", "count=8", "oflag=direct",
                 "status=none"}));
  ASSERT_EQ(r.exit_code, 0) << r.output;

  absl::StatusOr<std::vector<Record>> records = CaptureReader::ReadAll(capture);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_FALSE(records->empty());
  const auto* header = std::get_if<CaptureHeader>(&records->front());
  ASSERT_NE(header, nullptr);
  bool saw_workqueue = false;
  for (const HookMode& h : header->hooks) {
    if (h.hook == "workqueue") {
      saw_workqueue = true;
      EXPECT_EQ(h.mode, "unavailable");
      EXPECT_TRUE(absl::StrContains(h.detail, "workqueue_queue_work missing on this kernel"))
          << h.detail;
    } else if (h.hook == "block_bio_queue" || h.hook == "percpu_alloc") {
      EXPECT_EQ(h.mode, "tracepoint") << h.hook;
    }
  }
  EXPECT_TRUE(saw_workqueue);
  // The bios are still counted; no work item is.
  uint64_t bios = 0;
  int wq_records = 0;
  for (const Record& rec : *records) {
    if (const auto* b = std::get_if<BlkgRecord>(&rec); b && b->disk == (*loop)->name()) {
      bios = std::max(bios, b->bios);
    }
    wq_records += std::holds_alternative<WqRecord>(rec);
  }
  EXPECT_EQ(bios, 8u);
  EXPECT_EQ(wq_records, 0);
}

}  // namespace
}  // namespace submitwatch::testing
