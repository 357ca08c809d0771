#include "test_module.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace submitwatch::testing {
namespace {

bool Loaded() { return access("/sys/module/submitwatch_gt", F_OK) == 0; }

}  // namespace

std::string TestModule::PathForThisKernel() {
  if (const char* path = getenv("SUBMITWATCH_TEST_KMOD"); path != nullptr && *path) return path;
  struct utsname u;
  if (uname(&u) != 0) return "";
  const std::string built = absl::StrCat(SUBMITWATCH_KMOD_DIR, "/", u.release, "/src/", kName, ".ko");
  return access(built.c_str(), R_OK) == 0 ? built : "";
}

absl::Status UnloadTestModule() {
  // Just-closed devices stay busy for a moment (udev, the last bio's end).
  for (int i = 0; Loaded() && i < 100; ++i) {
    if (syscall(SYS_delete_module, TestModule::kName, O_NONBLOCK) == 0) return absl::OkStatus();
    if (errno != EBUSY && errno != EAGAIN && errno != EWOULDBLOCK) {
      return absl::InternalError(absl::StrCat("delete_module(", TestModule::kName,
                                              "): ", strerror(errno)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (Loaded()) return absl::DeadlineExceededError("submitwatch_gt stayed busy for 10 s");
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<TestModule>> TestModule::Load(const std::string& path) {
  if (absl::Status s = UnloadTestModule(); !s.ok()) return s;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", strerror(errno)));
  const long rc = syscall(SYS_finit_module, fd, "", 0);
  const int err = errno;
  close(fd);
  if (rc != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "finit_module(", path, "): ", strerror(err),
        err == ENOEXEC || err == EINVAL ? " (built for another kernel?)" : ""));
  }
  return std::unique_ptr<TestModule>(new TestModule);
}

TestModule::~TestModule() { (void)UnloadTestModule(); }

absl::StatusOr<uint64_t> TestModule::Counter(const std::string& name) const {
  const std::string path = absl::StrCat("/sys/module/", kName, "/parameters/", name);
  std::ifstream in(path);
  std::string text;
  uint64_t value = 0;
  if (!(in >> text) || !absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value)) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  return value;
}

}  // namespace submitwatch::testing
