#include "cli/cleanup_guardian.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "cli/forked_helper.h"
#include "cli/kernel_files.h"
#include "cli/scratch_cgroups.h"
#include "cli/scratch_loop_device.h"

namespace submitwatch {

absl::StatusOr<std::unique_ptr<CleanupGuardian>> CleanupGuardian::Start(
    std::vector<std::string> cgroup_dirs, std::string loop_device, std::string backing_dir) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoError("pipe");
  UniqueFd pipe_read(fds[0]);
  UniqueFd pipe_write(fds[1]);
  const pid_t pid = fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    // Outlives demo: out of its process group, deaf to the terminal, holding
    // nothing open but the pipe (a held loop device would never detach).
    setpgid(0, 0);
    for (int sig : {SIGINT, SIGHUP, SIGQUIT, SIGTSTP, SIGPIPE}) signal(sig, SIG_IGN);
    const int moved = fcntl(pipe_read.get(), F_DUPFD, 10);
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
  auto guardian = std::unique_ptr<CleanupGuardian>(new CleanupGuardian);
  guardian->pid_ = pid;
  guardian->pipe_write_ = std::move(pipe_write);
  return guardian;  // pipe_read closes here: the guardian's copy is the one left
}

CleanupGuardian::~CleanupGuardian() {
  if (pipe_write_.valid()) {
    if (write(pipe_write_.get(), "d", 1) != 1) {
      // It cannot be told; it will find everything gone and exit.
    }
    pipe_write_.reset();
  }
  if (pid_ > 0) waitpid(pid_, nullptr, 0);
}

}  // namespace submitwatch
