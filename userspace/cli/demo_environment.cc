#include "cli/demo_environment.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/stop_signals.h"

namespace submitwatch {
namespace {

constexpr int kPollMs = 50;

void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Errno(absl::StrCat("open ", path));
  const ssize_t n = write(fd, text.data(), text.size());
  const int saved = errno;
  close(fd);
  errno = saved;
  if (n != static_cast<ssize_t>(text.size())) {
    return Errno(absl::StrCat("write '", absl::StripTrailingAsciiWhitespace(text), "' to ", path));
  }
  return absl::OkStatus();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The loop device's backing file as the kernel shows it; "" when detached.
std::string BackingFile(const std::string& device) {
  const std::string name = device.substr(device.rfind('/') + 1);
  return std::string(absl::StripTrailingAsciiWhitespace(
      ReadFile(absl::StrCat("/sys/block/", name, "/loop/backing_file"))));
}

bool IsOurs(const std::string& device, const std::string& backing_dir) {
  return absl::StartsWith(BackingFile(device), backing_dir + "/");
}

// Closes every descriptor from `first` up (a forked helper must not keep
// the loop device, a capture file or a reader's pipe open).
void CloseFrom(int first) {
  if (close_range(static_cast<unsigned>(first), ~0u, 0) == 0) return;
  for (int fd = first; fd < 4096; ++fd) close(fd);
}

void RedirectStdio(bool keep_stderr) {
  const int null = open("/dev/null", O_RDWR);
  if (null < 0) return;
  dup2(null, STDIN_FILENO);
  dup2(null, STDOUT_FILENO);
  if (!keep_stderr) dup2(null, STDERR_FILENO);
  if (null > STDERR_FILENO) close(null);
}

// The body of an IO worker; never returns.
[[noreturn]] void RunIo(const std::string& device, uint64_t offset, uint64_t span, int pause_ms) {
  constexpr size_t kChunk = 64 << 10;
  const int direct = open(device.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  const int buffered = open(device.c_str(), O_WRONLY | O_CLOEXEC);
  void* buffer = nullptr;
  if (direct < 0 || buffered < 0 || posix_memalign(&buffer, 4096, kChunk) != 0) {
    fprintf(stderr, "submitwatch demo: IO worker %d: open %s: %s\n", getpid(), device.c_str(),
            strerror(errno));
    _exit(1);
  }
  memset(buffer, 0x5a, kChunk);
  uint64_t pos = 0;
  for (uint64_t round = 0;; ++round) {
    // Every fourth write goes through the page cache and is flushed by this
    // task, so it too is submitted from this cgroup.
    const bool through_cache = round % 4 == 3;
    const int fd = through_cache ? buffered : direct;
    if (pwrite(fd, buffer, kChunk, static_cast<off_t>(offset + pos)) !=
            static_cast<ssize_t>(kChunk) ||
        (through_cache && fdatasync(fd) != 0)) {
      fprintf(stderr, "submitwatch demo: IO worker %d: write %s: %s\n", getpid(), device.c_str(),
              strerror(errno));
      _exit(1);
    }
    pos = (pos + kChunk) % span;
    if (pause_ms > 0) usleep(static_cast<useconds_t>(pause_ms) * 1000);
  }
}

}  // namespace

// --- ScratchLoopDevice --------------------------------------------------------

absl::StatusOr<std::unique_ptr<ScratchLoopDevice>> ScratchLoopDevice::Create(uint64_t size_bytes) {
  auto loop = std::unique_ptr<ScratchLoopDevice>(new ScratchLoopDevice);
  loop->size_bytes_ = size_bytes;
  const char* tmp = getenv("TMPDIR");
  std::string dir_template =
      absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp", "/submitwatch-demo-XXXXXX");
  if (mkdtemp(dir_template.data()) == nullptr) return Errno(absl::StrCat("mkdtemp ", dir_template));
  loop->backing_dir_ = dir_template;
  const std::string file = absl::StrCat(loop->backing_dir_, "/disk.img");
  const int file_fd = open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  // From here the file and its directory go, attached or not.
  struct RemoveBacking {
    int fd;
    std::string file, dir;
    ~RemoveBacking() {
      if (fd >= 0) close(fd);
      unlink(file.c_str());
      rmdir(dir.c_str());
    }
  } remove_backing{file_fd, file, loop->backing_dir_};
  if (file_fd < 0) return Errno(absl::StrCat("create ", file));
  if (ftruncate(file_fd, static_cast<off_t>(size_bytes)) != 0)
    return Errno(absl::StrCat("size ", file));

  const int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (control < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open /dev/loop-control: ", strerror(errno),
                     " (is the loop module loaded? modprobe loop)"));
  }
  // Another process may take the free device between our two calls: retry.
  for (int attempt = 0; attempt < 20 && loop->fd_ < 0; ++attempt) {
    const int number = ioctl(control, LOOP_CTL_GET_FREE);
    if (number < 0) {
      absl::Status s = Errno("LOOP_CTL_GET_FREE");
      close(control);
      return s;
    }
    const std::string device = absl::StrCat("/dev/loop", number);
    const int fd = open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) {  // udev has not made the node yet
        SleepMs(kPollMs);
        continue;
      }
      absl::Status s = Errno(absl::StrCat("open ", device));
      close(control);
      return s;
    }
    loop_config config = {};
    config.fd = static_cast<uint32_t>(file_fd);
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    snprintf(reinterpret_cast<char*>(config.info.lo_file_name), LO_NAME_SIZE, "%s", file.c_str());
    if (ioctl(fd, LOOP_CONFIGURE, &config) != 0) {
      const int saved = errno;
      close(fd);
      if (saved == EBUSY) continue;
      close(control);
      errno = saved;
      return Errno(absl::StrCat("LOOP_CONFIGURE ", device));
    }
    struct stat st;
    fstat(fd, &st);
    loop->device_ = device;
    loop->major_ = major(st.st_rdev);
    loop->minor_ = minor(st.st_rdev);
    loop->fd_ = fd;
  }
  close(control);
  if (loop->fd_ < 0) return absl::UnavailableError("no free loop device after 20 attempts");
  return loop;
}

std::string ScratchLoopDevice::name() const { return device_.substr(device_.rfind('/') + 1); }

void ScratchLoopDevice::DetachIfOurs(const std::string& device, const std::string& backing_dir,
                                     int timeout_ms) {
  for (int waited = 0; waited <= timeout_ms; waited += kPollMs) {
    if (!IsOurs(device, backing_dir)) return;
    // With other openers (udev probing) this only marks it for autoclear,
    // which happens at their last close.
    const int fd = open(device.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ioctl(fd, LOOP_CLR_FD, 0);
      close(fd);
    }
    SleepMs(kPollMs);
  }
}

ScratchLoopDevice::~ScratchLoopDevice() {
  if (fd_ < 0) return;
  ioctl(fd_, LOOP_CLR_FD, 0);
  close(fd_);
  DetachIfOurs(device_, backing_dir_, 10'000);
  if (IsOurs(device_, backing_dir_)) {
    fprintf(stderr,
            "submitwatch demo: warning: %s is still attached (busy); it detaches itself "
            "when its last user closes it\n",
            device_.c_str());
  }
}

// --- ScratchCgroups -----------------------------------------------------------

absl::StatusOr<std::unique_ptr<ScratchCgroups>> ScratchCgroups::Create(
    const CgroupHierarchy& hierarchy, const std::string& name) {
  auto cgroups = std::unique_ptr<ScratchCgroups>(new ScratchCgroups);
  cgroups->hierarchy_ = hierarchy;
  const std::string dir = absl::StrCat(hierarchy.mount_point, "/", name);
  if (mkdir(dir.c_str(), 0755) != 0) return Errno(absl::StrCat("mkdir ", dir));
  cgroups->parent_dir_ = dir;
  return cgroups;
}

absl::StatusOr<std::string> ScratchCgroups::AddChild(const std::string& name) {
  const std::string dir = absl::StrCat(parent_dir_, "/", name);
  if (mkdir(dir.c_str(), 0755) != 0) return Errno(absl::StrCat("mkdir ", dir));
  children_.push_back(dir);
  return dir;
}

absl::Status ScratchCgroups::LimitWriteBps(const std::string& dir, uint32_t major, uint32_t minor,
                                           uint64_t bps) {
  if (!hierarchy_.v2) {
    return WriteFile(absl::StrCat(dir, "/blkio.throttle.write_bps_device"),
                     absl::StrCat(major, ":", minor, " ", bps, "\n"));
  }
  const std::string root_control =
      ReadFile(absl::StrCat(hierarchy_.mount_point, "/cgroup.subtree_control"));
  bool root_has_io = false;
  for (absl::string_view word : absl::StrSplit(root_control, absl::ByAnyChar(" \n"))) {
    if (word == "io") root_has_io = true;
  }
  if (!root_has_io) {
    return absl::FailedPreconditionError(
        "the io controller is not enabled in the root's cgroup.subtree_control");
  }
  if (absl::Status s = WriteFile(absl::StrCat(parent_dir_, "/cgroup.subtree_control"), "+io\n");
      !s.ok()) {
    return s;
  }
  return WriteFile(absl::StrCat(dir, "/io.max"),
                   absl::StrCat(major, ":", minor, " wbps=", bps, "\n"));
}

std::string ScratchCgroups::PathOf(const std::string& dir) const {
  return dir.substr(hierarchy_.mount_point.size());
}

std::vector<std::string> ScratchCgroups::DirsDeepestFirst() const {
  std::vector<std::string> dirs(children_.rbegin(), children_.rend());
  if (!parent_dir_.empty()) dirs.push_back(parent_dir_);
  return dirs;
}

bool ScratchCgroups::KillAndRemove(const std::vector<std::string>& dirs, int timeout_ms) {
  std::vector<std::string> left = dirs;
  for (int waited = 0; !left.empty() && waited <= timeout_ms; waited += kPollMs) {
    std::vector<std::string> still;
    for (const std::string& dir : left) {
      for (absl::string_view line : absl::StrSplit(ReadFile(dir + "/cgroup.procs"), '\n')) {
        int pid;
        if (absl::SimpleAtoi(line, &pid) && pid > 0) kill(pid, SIGKILL);
      }
      if (rmdir(dir.c_str()) == 0 || errno == ENOENT) continue;
      still.push_back(dir);
    }
    left = std::move(still);
    if (!left.empty()) SleepMs(kPollMs);
  }
  return left.empty();
}

ScratchCgroups::~ScratchCgroups() {
  if (!KillAndRemove(DirsDeepestFirst(), 30'000)) {
    fprintf(stderr, "submitwatch demo: warning: could not remove %s: %s\n", parent_dir_.c_str(),
            strerror(errno));
  }
}

// --- IoWorkers ----------------------------------------------------------------

absl::Status IoWorkers::Start(const std::string& cgroup_dir, const std::string& device,
                              uint64_t offset, uint64_t span, int pause_ms) {
  if (go_read_ < 0) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return Errno("pipe");
    go_read_ = fds[0];
    go_write_ = fds[1];
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    // Its own process group: a Ctrl-C on the terminal is for demo.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    RestoreDefaultSignals();
    // Only demo may say go; EOF on the pipe means demo is gone.
    close(go_write_);
    RedirectStdio(/*keep_stderr=*/true);
    if (!WriteFile(cgroup_dir + "/cgroup.procs", absl::StrCat(getpid(), "\n")).ok()) {
      fprintf(stderr, "submitwatch demo: IO worker %d cannot join %s: %s\n", getpid(),
              cgroup_dir.c_str(), strerror(errno));
      _exit(1);
    }
    // Named for what it is in `top` and the capture's comm column.
    prctl(PR_SET_NAME, "sw-demo-io");
    char go;
    ssize_t n;
    do {
      n = read(go_read_, &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) _exit(0);
    close(go_read_);
    RunIo(device, offset, span, pause_ms);
  }
  setpgid(pid, pid);  // also here: whichever runs first
  pids_.push_back(pid);
  return absl::OkStatus();
}

void IoWorkers::Go() {
  for (size_t i = 0; i < pids_.size(); ++i) {
    if (write(go_write_, "g", 1) != 1) break;
  }
}

std::optional<std::string> IoWorkers::Casualty() {
  for (auto it = pids_.begin(); it != pids_.end(); ++it) {
    int status;
    if (waitpid(*it, &status, WNOHANG) != *it) continue;
    const pid_t pid = *it;
    pids_.erase(it);
    if (WIFSIGNALED(status)) {
      return absl::StrCat("IO worker ", pid, " was killed by signal ", WTERMSIG(status), " (",
                          strsignal(WTERMSIG(status)), ")");
    }
    return absl::StrCat("IO worker ", pid, " exited with status ", WEXITSTATUS(status));
  }
  return std::nullopt;
}

void IoWorkers::StopAll() {
  for (pid_t pid : pids_) kill(pid, SIGKILL);
  // A worker inside a throttled write sleeps uninterruptibly until that
  // write is done: at most one chunk at the limit.
  for (pid_t pid : pids_) waitpid(pid, nullptr, 0);
  pids_.clear();
  if (go_read_ >= 0) close(go_read_);
  if (go_write_ >= 0) close(go_write_);
  go_read_ = go_write_ = -1;
}

IoWorkers::~IoWorkers() { StopAll(); }

// --- CleanupGuardian ----------------------------------------------------------

absl::StatusOr<std::unique_ptr<CleanupGuardian>> CleanupGuardian::Start(
    std::vector<std::string> cgroup_dirs, std::string loop_device, std::string backing_dir) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Errno("pipe");
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return Errno("fork");
  }
  if (pid == 0) {
    // Outlives demo: out of its process group, deaf to the terminal, holding
    // nothing open but the pipe (a held loop device would never detach).
    setpgid(0, 0);
    for (int sig : {SIGINT, SIGHUP, SIGQUIT, SIGTSTP, SIGPIPE}) signal(sig, SIG_IGN);
    const int moved = fcntl(fds[0], F_DUPFD, 10);
    RedirectStdio(/*keep_stderr=*/false);
    dup2(moved, 3);
    CloseFrom(4);
    char byte;
    ssize_t n;
    do {
      n = read(3, &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 1) _exit(0);  // dismissed: demo cleaned up
    ScratchCgroups::KillAndRemove(cgroup_dirs, 60'000);
    if (!loop_device.empty()) ScratchLoopDevice::DetachIfOurs(loop_device, backing_dir, 30'000);
    _exit(0);
  }
  close(fds[0]);
  auto guardian = std::unique_ptr<CleanupGuardian>(new CleanupGuardian);
  guardian->pid_ = pid;
  guardian->pipe_write_ = fds[1];
  return guardian;
}

CleanupGuardian::~CleanupGuardian() {
  if (pipe_write_ >= 0) {
    if (write(pipe_write_, "d", 1) != 1) {
      // It cannot be told; it will find everything gone and exit.
    }
    close(pipe_write_);
  }
  if (pid_ > 0) waitpid(pid_, nullptr, 0);
}

}  // namespace submitwatch
