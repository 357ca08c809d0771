// --user-stacks' fallbacks and cache, without a kernel: a fake symbolizer
// library and a fake /proc (files under a temp directory) stand in for BCC
// and the processes.
#include "symbols/user_symbols.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "model/names.h"
#include "symbols/process_maps.h"

namespace submitwatch {
namespace {

constexpr char kMaps[] =
    "55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 131 /usr/bin/writer\n"
    "55d0c0a01000-55d0c0a02000 r-xp 00001000 fe:01 131 /usr/bin/writer\n"
    "55d0c0c00000-55d0c0c21000 rw-p 00000000 00:00 0 [heap]\n"
    "7f1c2a400000-7f1c2a426000 r--p 00000000 fe:01 1837 /usr/lib/libc.so.6\n"
    "7f1c2a426000-7f1c2a57b000 r-xp 00026000 fe:01 1837 /usr/lib/libc.so.6\n"
    "7f1c2a600000-7f1c2a601000 r-xp 00001000 fe:01 99 /tmp/my lib.so (deleted)\n"
    "7ffd6a3f2000-7ffd6a3f4000 r-xp 00000000 00:00 0 [vdso]\n"
    "7ffd6a500000-7ffd6a501000 r-xp 00000000 00:00 0\n";  // JIT: anonymous

TEST(ProcessMapsTest, KeepsNamedExecutableMappingsSorted) {
  const std::vector<ProcessMapping> m = ParseProcessMaps(kMaps);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].start, 0x55d0c0a01000u);
  EXPECT_EQ(m[0].end, 0x55d0c0a02000u);
  EXPECT_EQ(m[0].file_offset, 0x1000u);
  EXPECT_EQ(m[0].path, "/usr/bin/writer");
  EXPECT_EQ(m[1].path, "/usr/lib/libc.so.6");
  EXPECT_EQ(m[2].path, "/tmp/my lib.so (deleted)");
  EXPECT_EQ(m[3].path, "[vdso]");
  EXPECT_TRUE(ParseProcessMaps("").empty());
  EXPECT_TRUE(ParseProcessMaps("garbage\nzz-yy r-xp 0 0 0 /x\n").empty());
}

TEST(ProcessMapsTest, NamesAnAddressAsModulePlusFileOffset) {
  const std::vector<ProcessMapping> m = ParseProcessMaps(kMaps);
  const ProcessMapping* libc = FindMapping(m, 0x7f1c2a4e51a2);
  ASSERT_NE(libc, nullptr);
  // 0x7f1c2a4e51a2 - 0x7f1c2a426000 + 0x26000
  EXPECT_EQ(ModuleOffsetFrame(*libc, 0x7f1c2a4e51a2), "libc.so.6+0xe51a2");
  EXPECT_EQ(ModuleOffsetFrame(*FindMapping(m, 0x55d0c0a01189), 0x55d0c0a01189), "writer+0x1189");
  EXPECT_EQ(ModuleOffsetFrame(*FindMapping(m, 0x7f1c2a600010), 0x7f1c2a600010), "my lib.so+0x1010");
  EXPECT_EQ(FindMapping(m, 0x55d0c0a00500), nullptr);  // not executable
  EXPECT_EQ(FindMapping(m, 0x55d0c0a02000), nullptr);  // end is exclusive
  EXPECT_EQ(FindMapping(m, 0x7ffd6a500010), nullptr);  // anonymous
  EXPECT_EQ(FindMapping(m, 1), nullptr);
  EXPECT_EQ(BareAddressFrame(0x7ffd6a500010), "0x7ffd6a500010");
  EXPECT_EQ(ModuleName("/usr/lib/libc.so.6"), "libc.so.6");
  EXPECT_EQ(ModuleName("/bin/x (deleted)"), "x");
  EXPECT_EQ(ModuleName("[vdso]"), "[vdso]");
}

// What the fake library was asked, shared with the test after the library
// moved into the symbolizer.
struct FakeLog {
  std::vector<uint32_t> opened;
  int closed = 0;
  int refreshed = 0;
};

// Knows the symbols of /usr/bin/writer's text; nothing of libc (stripped).
class FakeProcessSymbols : public ProcessSymbols {
 public:
  FakeProcessSymbols(FakeLog& log, std::map<uint64_t, ResolvedSymbol> symbols)
      : log_(log), symbols_(std::move(symbols)) {}
  ~FakeProcessSymbols() override { ++log_.closed; }
  std::optional<ResolvedSymbol> Resolve(uint64_t address) override {
    auto it = symbols_.upper_bound(address);
    if (it == symbols_.begin()) return std::nullopt;
    --it;
    if (address - it->first >= 0x100) return std::nullopt;
    ResolvedSymbol s = it->second;
    s.offset = address - it->first;
    return s;
  }
  void Refresh() override { ++log_.refreshed; }

 private:
  FakeLog& log_;
  std::map<uint64_t, ResolvedSymbol> symbols_;
};

class FakeLibrary : public SymbolizerLibrary {
 public:
  explicit FakeLibrary(FakeLog& log) : log_(log) {}
  std::unique_ptr<ProcessSymbols> Open(uint32_t pid) override {
    log_.opened.push_back(pid);
    return std::make_unique<FakeProcessSymbols>(
        log_, std::map<uint64_t, ResolvedSymbol>{
                  {0x55d0c0a01100, {"main", 0, "/usr/bin/writer"}},
                  {0x55d0c0a01180, {"write_path", 0, "/usr/bin/writer"}}});
  }

 private:
  FakeLog& log_;
};

constexpr uint64_t kNsPerTick = 10'000'000;  // USER_HZ 100
constexpr uint32_t kOurMntNs = 4026531841u;

class UserSymbolizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = absl::StrCat(::testing::TempDir(), "/submitwatch_proc_", getpid(), "_",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // A process of the fake /proc that started at start_ticks.
  void AddProcess(uint32_t pid, uint64_t start_ticks, const std::string& maps = kMaps) {
    const std::string dir = absl::StrCat(root_, "/", pid);
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/maps") << maps;
    // Field 22 is the start time; the name holds ") " to test the parse.
    std::ofstream(dir + "/stat") << pid << " (odd) name) S 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 "
                                 << "20 0 1 0 " << start_ticks << " 1000 100\n";
  }

  std::unique_ptr<UserSymbolizer> Make(size_t max_processes = 64) {
    UserSymbolizer::Options options;
    options.proc_root = root_;
    options.max_processes = max_processes;
    options.own_mnt_ns = kOurMntNs;
    options.clock_ticks_per_second = 100;
    return std::make_unique<UserSymbolizer>(std::make_unique<FakeLibrary>(log_), options);
  }

  static UserTask Task(uint32_t pid, uint64_t start_ticks, uint32_t mnt_ns = kOurMntNs) {
    // A start time between two ticks rounds down, as the kernel's does.
    return {pid, start_ticks * kNsPerTick + kNsPerTick / 2, mnt_ns};
  }

  std::string root_;
  FakeLog log_;
};

// Return addresses, innermost first: libc (no symbols here), write_path,
// main.
const std::vector<uint64_t> kStack = {0x7f1c2a4e51a2, 0x55d0c0a011a4, 0x55d0c0a0110c};

TEST_F(UserSymbolizerTest, NamesWhatTheLibraryKnowsAndModuleOffsetsTheRest) {
  AddProcess(100, 5000);
  auto symbolizer = Make();
  const UserStack s = symbolizer->Symbolize(Task(100, 5000), kStack);
  EXPECT_EQ(s.frames, (std::vector<std::string>{"libc.so.6+0xe51a2", "write_path+0x24 (writer)",
                                                "main+0xc (writer)"}));
  EXPECT_EQ(s.fallback, names::kUserStackNoSymbols);
  // Every frame known: no fallback.
  const UserStack named = symbolizer->Symbolize(Task(100, 5000), {0x55d0c0a011a4, 0x55d0c0a0110c});
  EXPECT_EQ(named.frames,
            (std::vector<std::string>{"write_path+0x24 (writer)", "main+0xc (writer)"}));
  EXPECT_EQ(named.fallback, "");
  // Opened once for both stacks.
  EXPECT_EQ(log_.opened, std::vector<uint32_t>{100});
  EXPECT_TRUE(symbolizer->Symbolize(Task(100, 5000), {}).frames.empty());
}

TEST_F(UserSymbolizerTest, AProcessGoneBeforeItsFirstEventGetsBareAddresses) {
  auto symbolizer = Make();
  const UserStack s = symbolizer->Symbolize(Task(200, 7000), kStack);
  EXPECT_EQ(s.frames, (std::vector<std::string>{"0x7f1c2a4e51a2", "0x55d0c0a011a4",
                                                "0x55d0c0a0110c"}));
  EXPECT_EQ(s.fallback, names::kUserStackExited);
  EXPECT_TRUE(log_.opened.empty());
}

TEST_F(UserSymbolizerTest, AReusedPidIsNotTheProcessThatAllocated) {
  AddProcess(300, 9999);  // started later than the task of the event
  auto symbolizer = Make();
  const UserStack s = symbolizer->Symbolize(Task(300, 5000), kStack);
  EXPECT_EQ(s.fallback, names::kUserStackExited);
  EXPECT_EQ(s.frames[1], "0x55d0c0a011a4");
  EXPECT_TRUE(log_.opened.empty());
  // The process that does own the pid now is a new entry, symbolized.
  EXPECT_EQ(symbolizer->Symbolize(Task(300, 9999), kStack).frames[1], "write_path+0x24 (writer)");
  EXPECT_EQ(symbolizer->cached_processes(), 2u);
}

// Gone between the read of its mappings and the symbolizer's read of its
// modules: no symbols for what it ran, and the reason given is that it went.
TEST_F(UserSymbolizerTest, AProcessGoneBeforeItsModulesWereReadSaysSo) {
  AddProcess(150, 5000);
  auto symbolizer = Make();
  ASSERT_EQ(symbolizer->Symbolize(Task(150, 5000), {0x55d0c0a0110c}).fallback, "");
  AddProcess(150, 5000, "");  // a zombie now
  EXPECT_EQ(symbolizer->Symbolize(Task(150, 5000), {0x7f1c2a4e51a2}).fallback,
            names::kUserStackExited);
  std::filesystem::remove_all(absl::StrCat(root_, "/150"));  // reaped
  const UserStack s = symbolizer->Symbolize(Task(150, 5000), {0x7f1c2a4e51a2});
  EXPECT_EQ(s.frames, std::vector<std::string>{"libc.so.6+0xe51a2"});
  EXPECT_EQ(s.fallback, names::kUserStackExited);
}

TEST_F(UserSymbolizerTest, AZombieHasNoMappingsLeft) {
  AddProcess(400, 5000, "");
  auto symbolizer = Make();
  EXPECT_EQ(symbolizer->Symbolize(Task(400, 5000), kStack).fallback, names::kUserStackExited);
}

TEST_F(UserSymbolizerTest, UnreadableMappingsGiveBareAddresses) {
  AddProcess(500, 5000);
  // A directory where the file should be: read(2) fails (EISDIR), as it
  // fails with EACCES for a process the tool may not trace.
  std::filesystem::remove(absl::StrCat(root_, "/500/maps"));
  std::filesystem::create_directory(absl::StrCat(root_, "/500/maps"));
  auto symbolizer = Make();
  const UserStack s = symbolizer->Symbolize(Task(500, 5000), kStack);
  EXPECT_EQ(s.fallback, names::kUserStackUnreadable);
  EXPECT_EQ(s.frames[0], "0x7f1c2a4e51a2");
  EXPECT_TRUE(log_.opened.empty());
}

TEST_F(UserSymbolizerTest, AnotherMountNamespaceIsNamedByModuleAndOffsetOnly) {
  AddProcess(600, 5000);
  auto symbolizer = Make();
  const UserStack s = symbolizer->Symbolize(Task(600, 5000, kOurMntNs + 1), kStack);
  EXPECT_EQ(s.frames, (std::vector<std::string>{"libc.so.6+0xe51a2", "writer+0x11a4",
                                                "writer+0x110c"}));
  EXPECT_EQ(s.fallback, names::kUserStackOtherMountNs);
  // Its files are not handed to the library.
  EXPECT_TRUE(log_.opened.empty());
  // An unknown namespace (0) counts as ours.
  EXPECT_EQ(symbolizer->Symbolize(Task(600, 5000, 0), kStack).frames[1],
            "write_path+0x24 (writer)");
}

TEST_F(UserSymbolizerTest, AnAddressOutsideEveryMappingRereadsThemOnce) {
  AddProcess(700, 5000);
  auto symbolizer = Make();
  const uint64_t in_new_lib = 0x7f0000000010;
  const uint64_t nowhere = 0x10;
  UserStack s = symbolizer->Symbolize(Task(700, 5000), {in_new_lib, nowhere});
  EXPECT_EQ(s.frames, (std::vector<std::string>{"0x7f0000000010", "0x10"}));
  EXPECT_EQ(s.fallback, names::kUserStackNoMapping);
  EXPECT_EQ(log_.refreshed, 1);  // once per stack, not per frame
  // The process maps a library (dlopen): the next stack finds it.
  AddProcess(700, 5000,
             absl::StrCat(kMaps, "7f0000000000-7f0000001000 r-xp 00002000 fe:01 5 /opt/plugin.so\n"));
  s = symbolizer->Symbolize(Task(700, 5000), {in_new_lib});
  EXPECT_EQ(s.frames, std::vector<std::string>{"plugin.so+0x2010"});
  EXPECT_EQ(s.fallback, names::kUserStackNoSymbols);
  EXPECT_EQ(log_.refreshed, 2);
  EXPECT_EQ(log_.opened.size(), 1u);
}

TEST_F(UserSymbolizerTest, KeepsAtMostMaxProcessesLeastRecentlyUsedOut) {
  for (uint32_t pid = 1; pid <= 4; ++pid) AddProcess(pid, 100 + pid);
  auto symbolizer = Make(/*max_processes=*/2);
  symbolizer->Symbolize(Task(1, 101), kStack);
  symbolizer->Symbolize(Task(2, 102), kStack);
  symbolizer->Symbolize(Task(1, 101), kStack);  // 1 is now the most recent
  symbolizer->Symbolize(Task(3, 103), kStack);  // evicts 2
  EXPECT_EQ(symbolizer->cached_processes(), 2u);
  EXPECT_EQ(log_.closed, 1);
  symbolizer->Symbolize(Task(1, 101), kStack);  // still cached
  EXPECT_EQ(log_.opened, (std::vector<uint32_t>{1, 2, 3}));
  symbolizer->Symbolize(Task(2, 102), kStack);  // reopened; evicts 3
  symbolizer->Symbolize(Task(4, 104), kStack);  // evicts 1
  EXPECT_EQ(log_.opened, (std::vector<uint32_t>{1, 2, 3, 2, 4}));
  EXPECT_EQ(symbolizer->cached_processes(), 2u);
  EXPECT_EQ(log_.closed, 3);
  symbolizer.reset();
  EXPECT_EQ(log_.closed, 5);  // every process's symbols released
}

TEST(UserSymbolizerFrameTest, SymbolFrameNamesFunctionOffsetAndModule) {
  EXPECT_EQ(UserSymbolizer::SymbolFrame({"std::vector<int>::push_back(int const&)", 0x1c,
                                         "/usr/lib/libfoo.so.1"}),
            "std::vector<int>::push_back(int const&)+0x1c (libfoo.so.1)");
}

}  // namespace
}  // namespace submitwatch
