// Where output goes, without privileges: a streaming capture is FILE.partial
// until committed, never follows or overwrites a link or an earlier cut-off
// capture; a temporary capture has no name until committed; a report
// appears whole or not at all.
#include "capture/output_file.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/unit/capture_test_util.h"

namespace submitwatch {
namespace {

namespace fs = std::filesystem;

class OutputFileTest : public ::testing::Test {
 protected:

  std::set<std::string> Entries() const {
    std::set<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(dir_)) {
      names.insert(e.path().filename());
    }
    return names;
  }

  static std::string Contents(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static void WriteAll(const OutputFile& out, const std::string& text) {
    ASSERT_EQ(write(out.fd(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }

  static mode_t Mode(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
    return st.st_mode;
  }

  testing_util::ScratchDir scratch_;
  const std::string dir_ = scratch_.path();
  const std::string target_ = dir_ + "/capture.jsonl";
};

TEST_F(OutputFileTest, StreamingCaptureIsPartialUntilCommitted) {
  absl::StatusOr<OutputFile> out = OutputFile::CreateStreaming(target_);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->current_path(), target_ + ".partial");
  EXPECT_EQ(out->path(), target_);
  EXPECT_TRUE(out->syncable());
  // Visible from the start, private, under the name that says incomplete.
  EXPECT_EQ(Entries(), std::set<std::string>{"capture.jsonl.partial"});
  EXPECT_EQ(Mode(target_ + ".partial") & 0777, 0600u);
  WriteAll(*out, "line 1\n");
  EXPECT_EQ(Contents(target_ + ".partial"), "line 1\n");
  ASSERT_TRUE(out->Commit().ok());
  EXPECT_EQ(Entries(), std::set<std::string>{"capture.jsonl"});
  EXPECT_EQ(Contents(target_), "line 1\n");
  EXPECT_EQ(out->current_path(), target_);
}

TEST_F(OutputFileTest, StreamingCaptureReplacesAnEarlierCapture) {
  std::ofstream(target_) << "old\n";
  absl::StatusOr<OutputFile> out = OutputFile::CreateStreaming(target_);
  ASSERT_TRUE(out.ok()) << out.status();
  // The earlier capture stays whole until the new one is complete.
  EXPECT_EQ(Contents(target_), "old\n");
  WriteAll(*out, "new\n");
  ASSERT_TRUE(out->Commit().ok());
  EXPECT_EQ(Contents(target_), "new\n");
}

TEST_F(OutputFileTest, DroppedStreamingCaptureKeepsWhatWasWritten) {
  {
    absl::StatusOr<OutputFile> out = OutputFile::CreateStreaming(target_);
    ASSERT_TRUE(out.ok()) << out.status();
    WriteAll(*out, "cut off\n");
  }
  EXPECT_EQ(Entries(), std::set<std::string>{"capture.jsonl.partial"});
  EXPECT_EQ(Contents(target_ + ".partial"), "cut off\n");
}

TEST_F(OutputFileTest, DroppedEmptyStreamingCaptureLeavesNothing) {
  {
    absl::StatusOr<OutputFile> out = OutputFile::CreateStreaming(target_);
    ASSERT_TRUE(out.ok()) << out.status();
  }
  EXPECT_TRUE(Entries().empty());
}

TEST_F(OutputFileTest, AnEarlierPartialCaptureIsNeverOverwritten) {
  std::ofstream(target_ + ".partial") << "evidence\n";
  absl::StatusOr<OutputFile> out = OutputFile::CreateStreaming(target_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(out.status().message(), target_ + ".partial exists"))
      << out.status();
  EXPECT_EQ(Contents(target_ + ".partial"), "evidence\n");
}

TEST_F(OutputFileTest, SymlinkAtThePartialNameIsNotFollowed) {
  const std::string victim = dir_ + "/victim";
  std::ofstream(victim) << "precious\n";
  ASSERT_EQ(symlink(victim.c_str(), (target_ + ".partial").c_str()), 0);
  absl::StatusOr<OutputFile> out = OutputFile::CreateStreaming(target_);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(Contents(victim), "precious\n");
  // A dangling link is refused too: creating through it would make a file
  // where the link points.
  ASSERT_EQ(unlink((target_ + ".partial").c_str()), 0);
  ASSERT_EQ(symlink((dir_ + "/elsewhere").c_str(), (target_ + ".partial").c_str()), 0);
  EXPECT_FALSE(OutputFile::CreateStreaming(target_).ok());
  EXPECT_FALSE(fs::exists(dir_ + "/elsewhere"));
}

TEST_F(OutputFileTest, SymlinkAtTheTargetIsReplacedNotFollowed) {
  const std::string victim = dir_ + "/victim";
  std::ofstream(victim) << "precious\n";
  ASSERT_EQ(symlink(victim.c_str(), target_.c_str()), 0);
  for (bool streaming : {true, false}) {
    SCOPED_TRACE(streaming);
    absl::StatusOr<OutputFile> out =
        streaming ? OutputFile::CreateStreaming(target_) : OutputFile::Create(target_);
    ASSERT_TRUE(out.ok()) << out.status();
    WriteAll(*out, "capture\n");
    ASSERT_TRUE(out->Commit().ok());
    EXPECT_TRUE(S_ISREG(Mode(target_)));
    EXPECT_EQ(Contents(target_), "capture\n");
    EXPECT_EQ(Contents(victim), "precious\n");
    ASSERT_EQ(unlink(target_.c_str()), 0);
    ASSERT_EQ(symlink(victim.c_str(), target_.c_str()), 0);
  }
}

TEST_F(OutputFileTest, TemporaryCaptureHasNoNameUntilCommitted) {
  absl::StatusOr<OutputFile> out = OutputFile::CreateTemporary(dir_, "submitwatch-demo");
  ASSERT_TRUE(out.ok()) << out.status();
  WriteAll(*out, "kept\n");
  // A process killed now would leave nothing.
  EXPECT_TRUE(Entries().empty());
  ASSERT_TRUE(out->Commit().ok());
  const std::set<std::string> entries = Entries();
  ASSERT_EQ(entries.size(), 1u);
  const std::string name = *entries.begin();
  EXPECT_TRUE(absl::StartsWith(name, "submitwatch-demo-") && absl::EndsWith(name, ".jsonl"))
      << name;
  EXPECT_EQ(out->path(), dir_ + "/" + name);
  EXPECT_EQ(Contents(out->path()), "kept\n");
  EXPECT_EQ(Mode(out->path()) & 0777, 0600u);
}

TEST_F(OutputFileTest, DroppedTemporaryCaptureLeavesNothing) {
  {
    absl::StatusOr<OutputFile> out = OutputFile::CreateTemporary(dir_, "submitwatch-demo");
    ASSERT_TRUE(out.ok()) << out.status();
    WriteAll(*out, "not kept\n");
  }
  EXPECT_TRUE(Entries().empty());
}

TEST_F(OutputFileTest, ReportAppearsWholeOrNotAtAll) {
  {
    absl::StatusOr<OutputFile> out = OutputFile::Create(target_);
    ASSERT_TRUE(out.ok()) << out.status();
    WriteAll(*out, "half a report");
  }
  EXPECT_TRUE(Entries().empty());
  absl::StatusOr<OutputFile> out = OutputFile::Create(target_);
  ASSERT_TRUE(out.ok()) << out.status();
  WriteAll(*out, "report\n");
  EXPECT_TRUE(Entries().empty());
  ASSERT_TRUE(out->Commit().ok());
  EXPECT_EQ(Entries(), std::set<std::string>{"capture.jsonl"});
  EXPECT_EQ(Mode(target_) & 0777, 0600u);
}

TEST_F(OutputFileTest, DevicesAreWrittenInPlace) {
  for (bool streaming : {true, false}) {
    absl::StatusOr<OutputFile> out =
        streaming ? OutputFile::CreateStreaming("/dev/null") : OutputFile::Create("/dev/null");
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_FALSE(out->syncable());
    EXPECT_EQ(out->current_path(), "/dev/null");
    WriteAll(*out, "gone\n");
    EXPECT_TRUE(out->Commit().ok());
    EXPECT_TRUE(S_ISCHR(Mode("/dev/null")));
  }
}

TEST_F(OutputFileTest, DirectoriesAndMissingDirectoriesAreUsageErrors) {
  for (const std::string& path : {dir_, dir_ + "/", dir_ + "/missing/capture.jsonl"}) {
    SCOPED_TRACE(path);
    for (bool streaming : {true, false}) {
      absl::StatusOr<OutputFile> out =
          streaming ? OutputFile::CreateStreaming(path) : OutputFile::Create(path);
      ASSERT_FALSE(out.ok());
      EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
    }
  }
  EXPECT_TRUE(Entries().empty());
}

TEST_F(OutputFileTest, StandardOutputIsNeitherRenamedNorSynced) {
  absl::StatusOr<OutputFile> out = OutputFile::CreateStreaming("-");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->is_stdout());
  EXPECT_FALSE(out->syncable());
  EXPECT_EQ(out->fd(), STDOUT_FILENO);
}

}  // namespace
}  // namespace submitwatch
