#include "cli/workload.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cli/stop_signals.h"
#include "common/errno_text.h"

namespace submitwatch {

absl::StatusOr<Workload> Workload::Start(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", ErrnoText(errno)));
  if (pid == 0) {
    RestoreDefaultSignals();
    execvp(argv[0], argv.data());
    fprintf(stderr, "submitwatch: cannot run %s: %s\n", argv[0], ErrnoText(errno).c_str());
    _exit(127);
  }
  return Workload(pid);
}

Workload::Workload(Workload&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_code_(other.exit_code_) {}

Workload& Workload::operator=(Workload&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = std::exchange(other.pid_, -1);
    exit_code_ = other.exit_code_;
  }
  return *this;
}

bool Workload::Exited() {
  if (pid_ <= 0) return false;
  int wait_status;
  if (waitpid(pid_, &wait_status, WNOHANG) != pid_) return false;
  exit_code_ = ExitCodeOf(wait_status);
  pid_ = -1;
  return true;
}

int Workload::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int wait_status;
    if (waitpid(pid_, &wait_status, 0) == pid_) exit_code_ = ExitCodeOf(wait_status);
    pid_ = -1;
  }
  return exit_code_;
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace submitwatch
