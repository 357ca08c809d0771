// --user-stacks on the real kernel: a test program with known function names
// (tests/kernel/user_stack_writer.c) does O_DIRECT writes from a fresh cgroup
// to a fresh loop device; its first bio makes the kernel allocate per-cpu
// memory in blkg_alloc, in the submit path, on the program's behalf. The
// allocation's record must carry the program's user stack, named; a stripped
// copy's as module+offset; a program gone before its event is read, or in a
// mount namespace of its own, an honest fallback.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "capture/capture_reader.h"
#include "gtest/gtest.h"
#include "kernel_fixtures.h"
#include "model/names.h"
#include "model/records.h"
#include "model/verdict.h"

namespace submitwatch::testing {
namespace {

constexpr char kWriter[] = SUBMITWATCH_TEST_WRITER;
constexpr char kWriteFunction[] = "submitwatch_test_write_path";
constexpr uint64_t kCapSysPtrace = 1ull << 19;
constexpr int kNobody = 65534;

std::string Basename(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string ProcessMaps(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/maps"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IsBareAddress(const std::string& frame) {
  uint64_t address;
  return absl::StartsWith(frame, "0x") && absl::SimpleHexAtoi(frame, &address);
}

class UserStacksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
    auto loop = LoopDevice::Create(16ull << 20);
    ASSERT_TRUE(loop.ok()) << loop.status();
    loop_ = *std::move(loop);
    auto cg = TestCgroup::Create(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(cg.ok()) << cg.status();
    cgroup_ = *std::move(cg);
    capture_ = TempPath("ustack.jsonl");
  }

  void TearDown() override {
    record_.reset();
    unlink(capture_.c_str());
    cgroup_.reset();
    loop_.reset();
  }

  void StartRecord(std::vector<std::string> args = {"--user-stacks"}) {
    args.insert(args.end(), {"--interval", "200ms"});
    auto rec = RecordProcess::Start(capture_, args);
    ASSERT_TRUE(rec.ok()) << rec.status();
    record_ = *std::move(rec);
  }

  // Runs `program DEVICE 4 extra...` in the test's cgroup to its end (reaped
  // when this returns); its pid. Unless `exit_at_once`, the writer stays a
  // second after its writes, so that it surely exists when record reads its
  // events.
  pid_t RunWriter(const std::string& program, const std::vector<std::string>& extra = {},
                  bool exit_at_once = false) {
    std::vector<std::string> argv = {program, loop_->device(), "4"};
    if (!exit_at_once) argv.insert(argv.end(), {"--hold-ms", "1000"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    const std::string procs = cgroup_->dir() + "/cgroup.procs";
    const pid_t pid = fork();
    if (pid == 0) {
      {
        std::ofstream join(procs);
        join << getpid() << std::flush;
        if (!join) _exit(126);
      }
      std::vector<char*> cargv;
      for (std::string& a : argv) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      execv(cargv[0], cargv.data());
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer status " << status;
    return pid;
  }

  // Stops record; the header and the writer's blkg_alloc record.
  void Finish(pid_t writer, CaptureHeader* header, AllocRecord* alloc) {
    ASSERT_EQ(record_->Stop(SIGINT), 0) << record_->Stderr();
    auto records = CaptureReader::ReadAll(capture_);
    ASSERT_TRUE(records.ok()) << records.status();
    ASSERT_TRUE(std::holds_alternative<CaptureHeader>(records->front()));
    *header = std::get<CaptureHeader>(records->front());
    int found = 0;
    for (const Record& r : *records) {
      const AllocRecord* a = std::get_if<AllocRecord>(&r);
      if (a == nullptr || a->pid != static_cast<uint32_t>(writer) || a->site != "blkg_alloc") {
        continue;
      }
      ++found;
      *alloc = *a;
    }
    ASSERT_GE(found, 1) << "no blkg_alloc record of the writer (pid " << writer << ")";
    EXPECT_EQ(alloc->cgroup, cgroup_->path());
    EXPECT_NE(alloc->context & kContextSubmit, 0u);
    EXPECT_EQ(ClassifyAlloc(*alloc), Verdict::kAtomic);
    ASSERT_FALSE(alloc->stack.empty());
    EXPECT_TRUE(absl::StartsWith(alloc->stack.back(), "entry_SYSCALL_64"))
        << alloc->stack.back();
    ASSERT_FALSE(alloc->user_stack.empty());
  }

  std::unique_ptr<LoopDevice> loop_;
  std::unique_ptr<TestCgroup> cgroup_;
  std::string capture_;
  std::unique_ptr<RecordProcess> record_;
};

// [start, end) of a function in the unstripped writer, from its symbol table
// (nm): for a PIE executable an address there is its file offset too.
std::pair<uint64_t, uint64_t> FunctionRange(const std::string& binary, const std::string& name) {
  CommandResult nm = RunCommand({"/usr/bin/nm", "--defined-only", "-S", binary});
  EXPECT_EQ(nm.exit_code, 0) << nm.output;
  for (absl::string_view line : absl::StrSplit(nm.output, '\n')) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint64_t start, size;
    if (f.size() == 4 && f[3] == name && absl::SimpleHexAtoi(f[0], &start) &&
        absl::SimpleHexAtoi(f[1], &size)) {
      return {start, start + size};
    }
  }
  ADD_FAILURE() << name << " not in nm " << binary;
  return {0, 0};
}

// The writer gives up root before it writes: a process of another user, not
// dumpable, whose maps only CAP_SYS_PTRACE may read once record has dropped
// the rest of its capabilities.
TEST_F(UserStacksTest, NamesTheWritersFramesUnderBlkgAlloc) {
  StartRecord();
  // libbcc is loaded for this session only, and CAP_SYS_PTRACE kept.
  // Not locked with --user-stacks (libbcc and LLVM would pin 230 MiB), so
  // CAP_IPC_LOCK is never kept for it.
  uint64_t effective = ~0ull;
  for (int i = 0; i < 50; ++i) {
    effective = CapabilityMask(record_->pid(), "CapEff").value_or(~0ull);
    if ((effective & ~(kCapabilitiesKeptAfterAttach | kCapSysPtrace)) == 0) break;
    usleep(100 * 1000);
  }
  EXPECT_EQ(effective, kCapabilitiesKeptAfterAttach | kCapSysPtrace) << std::hex << effective;
  const std::string maps = ProcessMaps(record_->pid());
  EXPECT_TRUE(absl::StrContains(maps, "libbcc")) << maps;

  const pid_t writer = RunWriter(kWriter, {"--uid", absl::StrCat(kNobody)});
  CaptureHeader header;
  AllocRecord alloc;
  Finish(writer, &header, &alloc);
  EXPECT_TRUE(header.user_stacks);
  EXPECT_EQ(alloc.comm, Basename(kWriter).substr(0, 15));

  // Innermost first: libc's pwrite, the writer's write path (its direct
  // caller keeps no frame: see the writer), main, libc's start-up.
  const std::string module = absl::StrCat(" (", Basename(kWriter), ")");
  int write_path = -1, main_frame = -1;
  for (size_t i = 0; i < alloc.user_stack.size(); ++i) {
    const std::string& f = alloc.user_stack[i];
    if (absl::StartsWith(f, absl::StrCat(kWriteFunction, "+0x")) && absl::EndsWith(f, module)) {
      write_path = static_cast<int>(i);
    }
    if (absl::StartsWith(f, "main+0x") && absl::EndsWith(f, module)) main_frame = static_cast<int>(i);
  }
  std::string frames = absl::StrJoin(alloc.user_stack, "\n");
  ASSERT_GE(write_path, 0) << frames;
  EXPECT_GT(main_frame, write_path) << frames;
  EXPECT_TRUE(absl::StrContains(alloc.user_stack.front(), "(libc.so.6)")) << frames;
  // libc's own static functions (its start-up) have no symbol without its
  // debug package: those frames, and only those, may be module+offset.
  EXPECT_TRUE(alloc.user_stack_fallback.empty() ||
              alloc.user_stack_fallback == names::kUserStackNoSymbols)
      << alloc.user_stack_fallback;
  for (const std::string& f : alloc.user_stack) {
    if (!absl::EndsWith(f, ")")) {
      EXPECT_TRUE(absl::StartsWith(f, "libc.so.6+0x")) << frames;
    }
  }

  // report prints the user part below the kernel part; folded joins them
  // from main down to the allocator.
  CommandResult text = RunCommand({SUBMITWATCH_BINARY, "report", capture_});
  ASSERT_EQ(text.exit_code, 0) << text.output;
  const size_t entry = text.output.find("    entry_SYSCALL_64");
  const size_t user = text.output.find("  user stack", entry);
  const size_t named = text.output.find(absl::StrCat("    ", kWriteFunction, "+0x"), user);
  EXPECT_NE(entry, std::string::npos) << text.output;
  EXPECT_NE(user, std::string::npos) << text.output;
  EXPECT_NE(named, std::string::npos) << text.output;
  CommandResult folded = RunCommand({SUBMITWATCH_BINARY, "report", "--format", "folded", capture_});
  ASSERT_EQ(folded.exit_code, 0) << folded.output;
  EXPECT_TRUE(absl::StrContains(
      folded.output, absl::StrCat(";main", module, ";", kWriteFunction, module, ";")))
      << folded.output;
  EXPECT_TRUE(absl::StrContains(folded.output, "(libc.so.6);entry_SYSCALL_64")) << folded.output;
}

TEST_F(UserStacksTest, AStrippedCopyGivesModulePlusOffset) {
  const std::string stripped = absl::StrCat(kWriter, ".stripped");
  StartRecord();
  const pid_t writer = RunWriter(stripped);
  CaptureHeader header;
  AllocRecord alloc;
  Finish(writer, &header, &alloc);
  EXPECT_EQ(alloc.user_stack_fallback, names::kUserStackNoSymbols);
  const auto [start, end] = FunctionRange(kWriter, kWriteFunction);
  const std::string prefix = absl::StrCat(Basename(stripped), "+0x");
  bool in_write_path = false;
  for (const std::string& f : alloc.user_stack) {
    EXPECT_FALSE(absl::StrContains(f, kWriteFunction)) << f;
    uint64_t offset;
    if (absl::StartsWith(f, prefix) && absl::SimpleHexAtoi(f.substr(prefix.size()), &offset) &&
        offset > start && offset < end) {
      in_write_path = true;  // a return address inside the function
    }
  }
  EXPECT_TRUE(in_write_path) << absl::StrJoin(alloc.user_stack, "\n") << "\nwrite path at [0x"
                             << std::hex << start << ", 0x" << end << ")";
}

// record is stopped while the writer runs and is reaped: the event waits in
// the ring buffer, and when it is read the process is gone.
TEST_F(UserStacksTest, AProcessGoneBeforeItsEventIsReadGetsItsAddresses) {
  StartRecord();
  ASSERT_EQ(kill(record_->pid(), SIGSTOP), 0);
  const pid_t writer = RunWriter(kWriter, {}, /*exit_at_once=*/true);
  ASSERT_EQ(kill(record_->pid(), SIGCONT), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CaptureHeader header;
  AllocRecord alloc;
  Finish(writer, &header, &alloc);
  EXPECT_EQ(alloc.user_stack_fallback, names::kUserStackExited);
  for (const std::string& f : alloc.user_stack) EXPECT_TRUE(IsBareAddress(f)) << f;
}

// Not held back, a writer that exits at once races the reader (woken at
// once by the event): either its frames are named, or the record says it
// was gone, never a wrong name: its frames are then bare addresses, or
// module+offset when its mappings were read before it went.
TEST_F(UserStacksTest, AProcessThatExitsAtOnceGetsItsStackOrSaysItWasGone) {
  StartRecord();
  const pid_t writer = RunWriter(kWriter, {}, /*exit_at_once=*/true);
  CaptureHeader header;
  AllocRecord alloc;
  Finish(writer, &header, &alloc);
  const std::string frames = absl::StrJoin(alloc.user_stack, "\n");
  if (alloc.user_stack_fallback == names::kUserStackExited) {
    for (const std::string& f : alloc.user_stack) {
      EXPECT_TRUE(IsBareAddress(f) || !absl::StrContains(f, " (")) << frames;
    }
  } else {
    EXPECT_TRUE(absl::StrContains(frames, absl::StrCat(kWriteFunction, "+0x"))) << frames;
  }
}

TEST_F(UserStacksTest, AnotherMountNamespaceIsNamedByModuleAndOffset) {
  StartRecord();
  const pid_t writer = RunWriter(kWriter, {"--unshare-mount-ns"});
  CaptureHeader header;
  AllocRecord alloc;
  Finish(writer, &header, &alloc);
  EXPECT_EQ(alloc.user_stack_fallback, names::kUserStackOtherMountNs);
  const std::string prefix = absl::StrCat(Basename(kWriter), "+0x");
  bool writer_frame = false;
  for (const std::string& f : alloc.user_stack) {
    EXPECT_FALSE(absl::EndsWith(f, ")")) << "symbolized in another mount namespace: " << f;
    writer_frame = writer_frame || absl::StartsWith(f, prefix);
  }
  EXPECT_TRUE(writer_frame) << absl::StrJoin(alloc.user_stack, "\n");
}

// Without the option nothing of it runs: no libbcc in the process, no user
// stacks, no CAP_SYS_PTRACE.
TEST_F(UserStacksTest, TheDefaultPathLoadsNoLibbcc) {
  StartRecord({});
  uint64_t effective = ~0ull;
  for (int i = 0; i < 50; ++i) {
    effective = CapabilityMask(record_->pid(), "CapEff").value_or(~0ull);
    if ((effective & ~CapabilitiesAllowedAfterAttach(record_->pid())) == 0) break;
    usleep(100 * 1000);
  }
  EXPECT_EQ(effective & kCapSysPtrace, 0u) << std::hex << effective;
  const pid_t writer = RunWriter(kWriter);
  const std::string maps = ProcessMaps(record_->pid());
  EXPECT_TRUE(absl::StrContains(maps, "libbpf")) << maps;
  EXPECT_FALSE(absl::StrContains(maps, "libbcc")) << maps;
  EXPECT_FALSE(absl::StrContains(maps, "libLLVM")) << maps;
  ASSERT_EQ(record_->Stop(SIGINT), 0) << record_->Stderr();
  auto records = CaptureReader::ReadAll(capture_);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_FALSE(std::get<CaptureHeader>(records->front()).user_stacks);
  int allocs = 0;
  for (const Record& r : *records) {
    const AllocRecord* a = std::get_if<AllocRecord>(&r);
    if (a == nullptr || a->pid != static_cast<uint32_t>(writer)) continue;
    ++allocs;
    EXPECT_TRUE(a->user_stack.empty());
    EXPECT_TRUE(a->user_stack_fallback.empty());
  }
  EXPECT_GE(allocs, 1);
}

}  // namespace
}  // namespace submitwatch::testing
