#include "kernel_fixtures.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/sysmacros.h>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errno_text.h"
#include "gtest/gtest.h"
#include "kernel_accounting.h"
#include "symbols/cgroup_paths.h"

namespace submitwatch::testing {

bool InCi() {
  const char* ci = getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::string TestMode() {
  const char* mode = getenv("SUBMITWATCH_TEST_MODE");
  return mode != nullptr ? mode : "";
}

std::vector<std::string> SubmitwatchCommand(const std::string& subcommand,
                                            std::vector<std::string> args) {
  std::vector<std::string> argv = {SUBMITWATCH_BINARY, subcommand};
  if (!TestMode().empty()) {
    argv.push_back("--mode");
    argv.push_back(TestMode());
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string KernelTestPrerequisites() {
  if (geteuid() != 0) return "kernel tests need root";
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) return "kernel has no BTF";
  if (!FindIoHierarchy().ok()) return "no io/blkio cgroup hierarchy";
  if (access("/dev/loop-control", R_OK | W_OK) != 0) return "no /dev/loop-control";
  return "";
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string TempPath(const std::string& stem) {
  const char* dir = getenv("TMPDIR");
  return absl::StrCat(dir && *dir ? dir : "/tmp", "/submitwatch-test-", getpid(), "-", stem);
}

int DirectWritesFromCgroup(const std::string& cgroup_dir, const std::string& device, int blocks) {
  const std::string of = "of=" + device;
  const std::string count = absl::StrCat("count=", blocks);
  const std::string procs = cgroup_dir + "/cgroup.procs";
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    const std::string self = absl::StrCat(getpid());
    if (fd < 0 || write(fd, self.data(), self.size()) < 0) _exit(125);
    close(fd);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, STDERR_FILENO);
    execlp("dd", "dd", "if=/dev/zero", of.c_str(), "bs=4096", count.c_str(), "oflag=direct",
           "status=none", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

CommandResult RunCommand(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& a : argv) absl::StrAppend(&line, ShellQuote(a), " ");
  absl::StrAppend(&line, "2>&1");
  CommandResult result;
  FILE* p = popen(line.c_str(), "r");
  if (p == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) result.output.append(buf, n);
  const int status = pclose(p);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

absl::StatusOr<std::unique_ptr<LoopDevice>> LoopDevice::Create(uint64_t size_bytes) {
  auto loop = std::unique_ptr<LoopDevice>(new LoopDevice);
  static int made = 0;
  loop->backing_file_ = TempPath(absl::StrCat("loop-", size_bytes, "-", made++));
  int fd = open(loop->backing_file_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(size_bytes)) != 0) {
    if (fd >= 0) close(fd);
    return absl::InternalError(absl::StrCat("cannot make ", loop->backing_file_, ": ",
                                            ErrnoText(errno)));
  }
  close(fd);
  CommandResult r = RunCommand({"losetup", "--find", "--show", loop->backing_file_});
  if (r.exit_code != 0) {
    return absl::InternalError(absl::StrCat("losetup failed: ", r.output));
  }
  loop->device_ = std::string(absl::StripAsciiWhitespace(r.output));
  return loop;
}

absl::StatusOr<std::unique_ptr<LoopDevice>> LoopDevice::CreateNew(uint64_t size_bytes) {
  const int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (control < 0) {
    return absl::InternalError(absl::StrCat("/dev/loop-control: ", ErrnoText(errno)));
  }
  // Above the numbers losetup --find hands out, so others do not race us.
  int index = -1;
  for (int n = 200 + getpid() % 200; n < 1024 && index < 0; ++n) {
    if (ioctl(control, LOOP_CTL_ADD, n) >= 0) index = n;
  }
  close(control);
  if (index < 0) return absl::InternalError("LOOP_CTL_ADD found no free loop number");
  auto loop = std::unique_ptr<LoopDevice>(new LoopDevice);
  loop->device_ = absl::StrCat("/dev/loop", index);
  loop->remove_device_ = true;
  // devtmpfs makes the node; udev (where there is one) may still be at it.
  for (int i = 0; i < 50 && access(loop->device_.c_str(), F_OK) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  loop->backing_file_ = TempPath(absl::StrCat("loop-new-", index));
  const int fd = open(loop->backing_file_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(size_bytes)) != 0) {
    if (fd >= 0) close(fd);
    return absl::InternalError(absl::StrCat("cannot make ", loop->backing_file_, ": ",
                                            ErrnoText(errno)));
  }
  close(fd);
  CommandResult r = RunCommand({"losetup", loop->device_, loop->backing_file_});
  if (r.exit_code != 0) {
    return absl::InternalError(absl::StrCat("losetup ", loop->device_, ": ", r.output));
  }
  return loop;
}

absl::StatusOr<std::unique_ptr<LoopDevice>> LoopDevice::CreateOver(const std::string& lower,
                                                                   uint32_t sector_size) {
  auto loop = std::unique_ptr<LoopDevice>(new LoopDevice);
  std::vector<std::string> argv = {"losetup", "--find", "--show", "--direct-io=on"};
  if (sector_size != 0) {
    argv.push_back("--sector-size");
    argv.push_back(absl::StrCat(sector_size));
  }
  argv.push_back(lower);
  CommandResult r = RunCommand(argv);
  if (r.exit_code != 0) {
    return absl::InternalError(absl::StrCat("losetup over ", lower, " failed: ", r.output));
  }
  loop->device_ = std::string(absl::StripAsciiWhitespace(r.output));
  return loop;
}

LoopDevice::~LoopDevice() {
  if (!device_.empty()) {
    // The kernel may hold the device for a moment after the last close.
    for (int i = 0; i < 50; ++i) {
      if (RunCommand({"losetup", "-d", device_}).exit_code == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (remove_device_ && !device_.empty()) {
    struct stat st;
    const int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (control >= 0 && stat(device_.c_str(), &st) == 0) {
      // Busy for a moment after the detach, like the detach itself.
      for (int i = 0; i < 50; ++i) {
        if (ioctl(control, LOOP_CTL_REMOVE, minor(st.st_rdev)) >= 0 || errno != EBUSY) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    if (control >= 0) close(control);
  }
  if (!backing_file_.empty()) unlink(backing_file_.c_str());
}

absl::StatusOr<std::unique_ptr<RecordProcess>> RecordProcess::Start(
    const std::string& capture, const std::vector<std::string>& args) {
  auto rec = std::unique_ptr<RecordProcess>(new RecordProcess);
  rec->stderr_path_ = capture + ".stderr";
  std::vector<std::string> record_args = {"-o", capture};
  record_args.insert(record_args.end(), args.begin(), args.end());
  std::vector<std::string> argv = SubmitwatchCommand("record", record_args);
  rec->pid_ = fork();
  if (rec->pid_ < 0) return absl::InternalError(absl::StrCat("fork: ", ErrnoText(errno)));
  if (rec->pid_ == 0) {
    if (freopen(rec->stderr_path_.c_str(), "w", stderr) == nullptr) _exit(126);
    std::vector<char*> cargv;
    for (std::string& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  // Loading is slow under emulation (scripts/qemu-test): allow two minutes.
  for (int i = 0; i < 1200; ++i) {
    if (absl::StrContains(rec->Stderr(), "attached")) return rec;
    int status = 0;
    if (waitpid(rec->pid_, &status, WNOHANG) == rec->pid_) {
      rec->pid_ = -1;
      return absl::InternalError(absl::StrCat("record exited before attaching: ", rec->Stderr()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("record did not attach within 2 minutes: ", rec->Stderr()));
}

int RecordProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string RecordProcess::Stderr() const {
  std::ifstream in(stderr_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

RecordProcess::~RecordProcess() {
  if (pid_ > 0) Stop(SIGKILL);
  unlink(stderr_path_.c_str());
}

uint64_t RssKib(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string field;
  while (in >> field) {
    uint64_t kib = 0;
    if (field == "VmRSS:" && (in >> kib)) return kib;
  }
  return 0;
}

uint64_t CapabilitiesAllowedAfterAttach(pid_t pid) {
  constexpr uint64_t kCapIpcLock = 1ull << 14;
  constexpr uint64_t kMemlockAskedFor = 256ull << 20;
  std::ifstream in(absl::StrCat("/proc/", pid, "/limits"));
  std::string line;
  uint64_t soft = 0;
  while (std::getline(in, line)) {
    // "Max locked memory         8388608              8388608              bytes"
    if (!absl::StartsWith(line, "Max locked memory")) continue;
    std::istringstream fields(line.substr(17));
    std::string value;
    fields >> value;
    if (value == "unlimited") soft = ~0ull;
    else if (!absl::SimpleAtoi(value, &soft)) soft = 0;
  }
  return kCapabilitiesKeptAfterAttach | (soft < kMemlockAskedFor ? kCapIpcLock : 0);
}

std::optional<uint64_t> CapabilityMask(pid_t pid, const std::string& field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    uint64_t mask = 0;
    if (absl::StartsWith(line, field + ":") &&
        absl::SimpleHexAtoi(absl::StripAsciiWhitespace(line.substr(field.size() + 1)), &mask)) {
      return mask;
    }
  }
  return std::nullopt;
}

std::string LoopDevice::name() const { return device_.substr(device_.rfind('/') + 1); }

absl::StatusOr<std::unique_ptr<TestCgroup>> TestCgroup::Create(const std::string& name) {
  absl::StatusOr<CgroupHierarchy> h = FindIoHierarchy();
  if (!h.ok()) return h.status();
  if (h->v2) {
    std::ifstream control(h->mount_point + "/cgroup.subtree_control");
    std::string word;
    bool io = false;
    while (control >> word) io = io || word == "io";
    if (!io) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cgroup v2 at ", h->mount_point, " does not enable io for its children: echo +io > ",
          h->mount_point, "/cgroup.subtree_control"));
    }
  }
  auto cg = std::unique_ptr<TestCgroup>(new TestCgroup);
  cg->v2_ = h->v2;
  cg->path_ = absl::StrCat("/submitwatch-test-", getpid(), "-", name);
  cg->dir_ = h->mount_point + cg->path_;
  if (mkdir(cg->dir_.c_str(), 0755) != 0) {
    return absl::InternalError(absl::StrCat("mkdir ", cg->dir_, ": ", ErrnoText(errno)));
  }
  return cg;
}

TestCgroup::~TestCgroup() {
  // Processes that were in it have exited; rmdir can still race their exit.
  for (int i = 0; i < 50; ++i) {
    if (rmdir(dir_.c_str()) == 0 || errno == ENOENT) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  fprintf(stderr, "warning: could not remove %s: %s\n", dir_.c_str(), ErrnoText(errno).c_str());
}

absl::Status TestCgroup::Limit(const std::string& device, const std::string& v1_file,
                               const std::string& v2_key, uint64_t bps) {
  absl::StatusOr<std::string> numbers = DeviceNumbers(device);
  if (!numbers.ok()) return numbers.status();
  const std::string file = dir_ + (v2_ ? "/io.max" : "/" + v1_file);
  std::ofstream f(file);
  f << *numbers << " " << (v2_ ? v2_key + "=" : "") << bps << "\n";
  f.close();
  if (!f) return absl::InternalError(absl::StrCat("cannot write ", file));
  limited_.insert(device);
  return absl::OkStatus();
}

absl::Status TestCgroup::LimitWriteBps(const std::string& device, uint64_t bps) {
  return Limit(device, "blkio.throttle.write_bps_device", "wbps", bps);
}

absl::Status TestCgroup::LimitReadBps(const std::string& device, uint64_t bps) {
  return Limit(device, "blkio.throttle.read_bps_device", "rbps", bps);
}

absl::StatusOr<std::unique_ptr<KernelAccounting>> KernelAccounting::On(const std::string& device) {
  absl::StatusOr<CgroupHierarchy> h = FindIoHierarchy();
  if (!h.ok()) return h.status();
  auto on = std::unique_ptr<KernelAccounting>(new KernelAccounting);
  if (h->v2) return on;
  absl::StatusOr<std::unique_ptr<TestCgroup>> cg =
      TestCgroup::Create("referee-" + device.substr(device.rfind('/') + 1));
  if (!cg.ok()) return cg.status();
  on->limited_ = *std::move(cg);
  // 1 TiB/s of reads, for a cgroup that does no IO.
  if (absl::Status s = on->limited_->LimitReadBps(device, 1ull << 40); !s.ok()) return s;
  return on;
}

void FreshPairTest::SetUp() {
  if (std::string why = KernelTestPrerequisites(); !why.empty()) SW_SKIP_OR_FAIL(why);
  absl::StatusOr<std::unique_ptr<LoopDevice>> loop =
      new_disk_ ? LoopDevice::CreateNew(64ull << 20) : LoopDevice::Create(64ull << 20);
  ASSERT_TRUE(loop.ok()) << loop.status();
  loop_ = *std::move(loop);
  absl::StatusOr<std::unique_ptr<KernelAccounting>> accounting =
      KernelAccounting::On(loop_->device());
  ASSERT_TRUE(accounting.ok()) << accounting.status();
  accounting_ = *std::move(accounting);
  absl::StatusOr<std::unique_ptr<TestCgroup>> cg = TestCgroup::Create(
      prefix_ + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  ASSERT_TRUE(cg.ok()) << cg.status();
  cgroup_ = *std::move(cg);
}

void FreshPairTest::TearDown() {
  cgroup_.reset();
  accounting_.reset();
  loop_.reset();
}

bool KernelCountsCgroupsWithoutLimits() {
  static const bool counts = [] {
    absl::StatusOr<CgroupHierarchy> h = FindIoHierarchy();
    if (!h.ok() || h->v2) return true;
    const auto unknown = [](const absl::Status& why) {
      fprintf(stderr, "warning: cannot find out what the kernel counts: %s\n",
              why.ToString().c_str());
      return true;  // the referee compares, and says what it read
    };
    absl::StatusOr<std::unique_ptr<LoopDevice>> loop = LoopDevice::Create(1 << 20);
    if (!loop.ok()) return unknown(loop.status());
    absl::StatusOr<std::unique_ptr<KernelAccounting>> on = KernelAccounting::On((*loop)->device());
    if (!on.ok()) return unknown(on.status());
    absl::StatusOr<std::unique_ptr<TestCgroup>> cg = TestCgroup::Create("referee-probe");
    if (!cg.ok()) return unknown(cg.status());
    if (DirectWritesFromCgroup((*cg)->dir(), (*loop)->device(), 1) != 0) {
      return unknown(absl::InternalError("dd to " + (*loop)->device() + " failed"));
    }
    absl::StatusOr<KernelIo> io = KernelIoOf((*cg)->dir(), false, (*loop)->device());
    return io.ok() && io->write_ios == 1;
  }();
  return counts;
}

std::optional<KernelIo> ExpectKernelAgrees(const std::vector<Record>& records,
                                           const std::string& dir, bool v2,
                                           const std::string& path, const std::string& device,
                                           bool limited, bool splits) {
  const std::string disk = device.substr(device.rfind('/') + 1);
  absl::StatusOr<std::string> numbers = DeviceNumbers(device);
  absl::StatusOr<KernelIo> kernel = KernelIoOf(dir, v2, device);
  if (!numbers.ok() || !kernel.ok()) {
    ADD_FAILURE() << (numbers.ok() ? kernel.status() : numbers.status());
    return std::nullopt;
  }
  const ToolIo tool = ToolIoOfBlkg(records, path, disk);
  std::string line = RefereeLine(v2, path, disk, *numbers, tool, *kernel);
  const bool kept = limited || KernelCountsCgroupsWithoutLimits();
  if (!kept) absl::StrAppend(&line, "; this kernel counts only cgroups with a limit (v1)");
  printf("%s\n", line.c_str());
  fflush(stdout);
  if (!kept) {
    EXPECT_EQ(kernel->ios(), 0u) << line;
    return std::nullopt;
  }
  if (splits) {
    EXPECT_GE(kernel->ios(), tool.bios) << line;
  } else {
    EXPECT_EQ(tool.bios, kernel->ios()) << line;
  }
  EXPECT_EQ(tool.bytes, kernel->bytes()) << line;
  return *kernel;
}

std::optional<KernelIo> ExpectKernelAgrees(const std::vector<Record>& records,
                                           const TestCgroup& cgroup, const std::string& device) {
  return ExpectKernelAgrees(records, cgroup.dir(), cgroup.v2(), cgroup.path(), device,
                            cgroup.Limits(device));
}

}  // namespace submitwatch::testing
