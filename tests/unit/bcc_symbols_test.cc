// BCC's library as --user-stacks opens it: loaded at run time, kept out of
// the global symbol scope, and symbolizing a live process (this one). No
// privileges needed.
#include "symbols/bcc_symbols.h"

#include <bpf/bpf.h>
#include <dlfcn.h>
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

extern "C" __attribute__((noinline, used)) int submitwatch_bcc_test_marker(int x) {
  return x * 3 + 1;
}

namespace submitwatch {
namespace {

TEST(BccLibraryTest, AMissingLibraryIsAUsageErrorSayingWhatToInstall) {
  absl::StatusOr<std::unique_ptr<BccLibrary>> lib =
      BccLibrary::Load("/nonexistent/submitwatch-test/libbcc.so.0");
  ASSERT_FALSE(lib.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(lib.status())) << lib.status();
  const std::string message(lib.status().message());
  EXPECT_TRUE(absl::StrContains(message, "/nonexistent/submitwatch-test/libbcc.so.0")) << message;
  EXPECT_TRUE(absl::StrContains(message, "libbpfcc")) << message;
  EXPECT_TRUE(absl::StrContains(message, "--user-stacks")) << message;
}

TEST(BccLibraryTest, ALibraryWithoutBccsFunctionsIsRefused) {
  // libc loads, but has no bcc_symcache_new.
  absl::StatusOr<std::unique_ptr<BccLibrary>> lib = BccLibrary::Load("libc.so.6");
  ASSERT_FALSE(lib.ok());
  EXPECT_TRUE(absl::StrContains(lib.status().message(), "bcc_symcache_new")) << lib.status();
}

TEST(BccLibraryTest, PathComesFromTheEnvironmentElseTheSoname) {
  unsetenv(kLibbccEnv);
  EXPECT_EQ(BccLibrary::LibbccPath(), "libbcc.so.0");
  setenv(kLibbccEnv, "/opt/bcc/lib/libbcc.so.0", 1);
  EXPECT_EQ(BccLibrary::LibbccPath(), "/opt/bcc/lib/libbcc.so.0");
  unsetenv(kLibbccEnv);
}

// libbcc brings LLVM and its own bpf_* functions: none of them may become
// what the tool's own calls bind to.
TEST(BccLibraryTest, LoadsWithoutJoiningTheGlobalScope) {
  void* const libbpf_before = dlsym(RTLD_DEFAULT, "bpf_map_lookup_elem");
  absl::StatusOr<std::unique_ptr<BccLibrary>> lib = BccLibrary::Load(kLibbccSoname);
  ASSERT_TRUE(lib.ok()) << lib.status();
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "bcc_symcache_new"), nullptr);
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "bpf_attach_kprobe"), nullptr);  // libbcc's, not libbpf's
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "bpf_map_lookup_elem"), libbpf_before);
  Dl_info info{};
  ASSERT_NE(dladdr(reinterpret_cast<void*>(&bpf_map_lookup_elem), &info), 0);
  EXPECT_TRUE(absl::StrContains(info.dli_fname, "libbpf")) << info.dli_fname;
}

TEST(BccLibraryTest, SymbolizesAFunctionOfThisProcess) {
  absl::StatusOr<std::unique_ptr<BccLibrary>> lib = BccLibrary::Load(kLibbccSoname);
  ASSERT_TRUE(lib.ok()) << lib.status();
  const uint64_t address = reinterpret_cast<uint64_t>(&submitwatch_bcc_test_marker) + 1;
  std::unique_ptr<ProcessSymbols> symbols = (*lib)->Open(static_cast<uint32_t>(getpid()));
  std::optional<ResolvedSymbol> s = symbols->Resolve(address);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->function, "submitwatch_bcc_test_marker");
  EXPECT_EQ(s->offset, 1u);
  EXPECT_TRUE(absl::EndsWith(s->module, "/unit_tests")) << s->module;
  EXPECT_FALSE(symbols->Resolve(0x10).has_value());

  // The same through the symbolizer, as the collector calls it.
  UserSymbolizer symbolizer(*std::move(lib), UserSymbolizer::Options{});
  const UserStack stack =
      symbolizer.Symbolize({static_cast<uint32_t>(getpid()), 0, 0}, {address});
  EXPECT_EQ(stack.frames, std::vector<std::string>{"submitwatch_bcc_test_marker+0x1 (unit_tests)"});
  EXPECT_EQ(stack.fallback, "");
  EXPECT_EQ(submitwatch_bcc_test_marker(1), 4);
}

}  // namespace
}  // namespace submitwatch
