// --user-stacks' contract with libbcc, without privileges: the binary is not
// linked against it, and without it the option fails at once, with exit
// status 2 and the package to install, before anything is loaded.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli_runner.h"
#include "gtest/gtest.h"

namespace submitwatch {
namespace {

using testing::CliResult;
using testing::RunCli;

std::string Shell(const std::string& command) {
  std::string out;
  FILE* p = popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// Neither libbcc (LLVM) nor libmicrohttpd (GnuTLS): what is linked is
// mapped, and locked by record, check and top; each is opened by the one
// option or command that needs it.
TEST(UserStacksCli, TheBinaryIsNotLinkedAgainstLibbccNorLibmicrohttpd) {
  const std::string ldd = Shell(absl::StrCat("ldd ", SUBMITWATCH_BINARY));
  // ldd worked: it lists what the binary does link.
  ASSERT_TRUE(absl::StrContains(ldd, "libbpf.so")) << ldd;
  EXPECT_FALSE(absl::StrContains(ldd, "libbcc")) << ldd;
  EXPECT_FALSE(absl::StrContains(ldd, "libLLVM")) << ldd;
  EXPECT_FALSE(absl::StrContains(ldd, "libclang")) << ldd;
  EXPECT_FALSE(absl::StrContains(ldd, "libmicrohttpd")) << ldd;
  EXPECT_FALSE(absl::StrContains(ldd, "libgnutls")) << ldd;
}

// The loader is pointed at a path where libbcc is not, as on a host without
// the package.
class WithoutLibbcc : public ::testing::Test {
 protected:
  void SetUp() override { setenv("SUBMITWATCH_LIBBCC", kMissing, 1); }
  void TearDown() override { unsetenv("SUBMITWATCH_LIBBCC"); }
  static constexpr char kMissing[] = "/nonexistent/submitwatch-test/libbcc.so.0";
};

TEST_F(WithoutLibbcc, UserStacksFailsWithExitTwoNamingThePackage) {
  const std::string capture = absl::StrCat(::testing::TempDir(), "/ustack-cli-", getpid());
  for (const std::string& args :
       {absl::StrCat("record --user-stacks --duration 1s -o ", capture),
        std::string("check --user-stacks --duration 1s -- true")}) {
    SCOPED_TRACE(args);
    CliResult r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(absl::StartsWith(r.output, "submitwatch: --user-stacks needs")) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, kMissing)) << r.output;
    EXPECT_TRUE(absl::StrContains(r.output, "libbpfcc (Debian, Ubuntu) or bcc (Fedora, RHEL)"))
        << r.output;
    // Said before anything was attached or written.
    EXPECT_FALSE(absl::StrContains(r.output, "attached")) << r.output;
  }
  struct stat st;
  EXPECT_NE(stat(capture.c_str(), &st), 0) << "a failed record left " << capture;
}

TEST_F(WithoutLibbcc, EverythingElseWorksWithoutIt) {
  CliResult help = RunCli("record --help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_TRUE(absl::StrContains(help.output, "--user-stacks")) << help.output;
  CliResult version = RunCli("--version");
  EXPECT_EQ(version.exit_code, 0) << version.output;
}

TEST(UserStacksCli, AppliesToLiveSessionsOnly) {
  CliResult top = RunCli("top --replay /nonexistent.jsonl --user-stacks");
  EXPECT_EQ(top.exit_code, 2) << top.output;
  EXPECT_TRUE(absl::StrContains(top.output, "--user-stacks applies to live mode only"))
      << top.output;
  CliResult check = RunCli("check --replay /nonexistent.jsonl --user-stacks");
  EXPECT_EQ(check.exit_code, 2) << check.output;
  EXPECT_TRUE(absl::StrContains(check.output, "--user-stacks does not apply")) << check.output;
}

}  // namespace
}  // namespace submitwatch
