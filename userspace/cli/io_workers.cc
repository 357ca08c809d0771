#include "cli/io_workers.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "cli/forked_helper.h"
#include "cli/kernel_files.h"
#include "cli/stop_signals.h"
#include "common/errno_text.h"

namespace submitwatch {
namespace {

// The body of an IO worker; never returns.
[[noreturn]] void RunIo(const std::string& device, uint64_t offset, uint64_t span, int pause_ms) {
  constexpr size_t kChunk = 64 << 10;
  const int direct = open(device.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  const int buffered = open(device.c_str(), O_WRONLY | O_CLOEXEC);
  void* buffer = nullptr;
  if (direct < 0 || buffered < 0 || posix_memalign(&buffer, 4096, kChunk) != 0) {
    fprintf(stderr, "submitwatch demo: IO worker %d: open %s: %s\n", getpid(), device.c_str(),
            ErrnoText(errno).c_str());
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
              ErrnoText(errno).c_str());
      _exit(1);
    }
    pos = (pos + kChunk) % span;
    if (pause_ms > 0) usleep(static_cast<useconds_t>(pause_ms) * 1000);
  }
}

}  // namespace

absl::Status IoWorkers::Start(const std::string& cgroup_dir, const std::string& device,
                              uint64_t offset, uint64_t span, int pause_ms) {
  if (!go_read_.valid()) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoError("pipe");
    go_read_.reset(fds[0]);
    go_write_.reset(fds[1]);
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    // Its own process group: a Ctrl-C on the terminal is for demo.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    RestoreDefaultSignals();
    // Only demo may say go; EOF on the pipe means demo is gone.
    go_write_.reset();
    RedirectStdio(/*keep_stderr=*/true);
    if (!WriteKernelFile(cgroup_dir + "/cgroup.procs", absl::StrCat(getpid(), "\n")).ok()) {
      fprintf(stderr, "submitwatch demo: IO worker %d cannot join %s: %s\n", getpid(),
              cgroup_dir.c_str(), ErrnoText(errno).c_str());
      _exit(1);
    }
    // Named for what it is in `top` and the capture's comm column.
    prctl(PR_SET_NAME, "sw-demo-io");
    char go;
    ssize_t n;
    do {
      n = read(go_read_.get(), &go, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) _exit(0);
    go_read_.reset();
    RunIo(device, offset, span, pause_ms);
  }
  setpgid(pid, pid);  // also here: whichever runs first
  pids_.push_back(pid);
  return absl::OkStatus();
}

void IoWorkers::Go() {
  for (size_t i = 0; i < pids_.size(); ++i) {
    if (write(go_write_.get(), "g", 1) != 1) break;
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
  go_read_.reset();
  go_write_.reset();
}

IoWorkers::~IoWorkers() { StopAll(); }

}  // namespace submitwatch
