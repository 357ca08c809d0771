#include "process_in_cgroups.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/errno_text.h"

namespace submitwatch::testing {
namespace {

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

// What the child tells the parent when it cannot go on: the index of the
// cgroup it could not join (-1: exec failed) and errno.
struct ChildFailure {
  int cgroup;
  int error_number;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ProcessInCgroups>> ProcessInCgroups::Spawn(
    const std::vector<std::string>& cgroup_dirs, char* const* exec_argv,
    const std::function<int()>& body) {
  std::vector<dev_t> hierarchies;
  std::vector<std::string> procs;
  for (const std::string& dir : cgroup_dirs) {
    struct stat st;
    if (stat(dir.c_str(), &st) != 0) {
      return absl::NotFoundError(absl::StrCat(dir, ": ", ErrnoText(errno)));
    }
    // Each cgroup hierarchy is a file system of its own.
    for (dev_t seen : hierarchies) {
      if (seen == st.st_dev) {
        return absl::InvalidArgumentError(
            absl::StrCat(dir, " is in the same cgroup hierarchy as an earlier directory"));
      }
    }
    hierarchies.push_back(st.st_dev);
    procs.push_back(dir + "/cgroup.procs");
  }
  // Closed on exec (or before the body runs): end of file says the child is
  // in its cgroups and running.
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", ErrnoText(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(report[0]);
    close(report[1]);
    return absl::InternalError(absl::StrCat("fork: ", ErrnoText(err)));
  }
  if (pid == 0) {
    // Only async-signal-safe calls until the body.
    close(report[0]);
    char self[24];
    const int len = snprintf(self, sizeof(self), "%d", getpid());
    for (size_t i = 0; i < procs.size(); ++i) {
      const int fd = open(procs[i].c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write(fd, self, static_cast<size_t>(len)) != len) {
        const ChildFailure failure{static_cast<int>(i), errno};
        if (write(report[1], &failure, sizeof(failure)) < 0) _exit(125);
        _exit(125);
      }
      close(fd);
    }
    if (exec_argv == nullptr) {
      close(report[1]);
      _exit(body());
    }
    execvp(exec_argv[0], exec_argv);
    const ChildFailure failure{-1, errno};
    if (write(report[1], &failure, sizeof(failure)) < 0) _exit(127);
    _exit(127);
  }
  close(report[1]);
  auto process = std::unique_ptr<ProcessInCgroups>(new ProcessInCgroups);
  process->pid_ = pid;
  ChildFailure failure;
  ssize_t n;
  do {
    n = read(report[0], &failure, sizeof(failure));
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n != static_cast<ssize_t>(sizeof(failure))) return process;
  process->Wait();
  if (failure.cgroup >= 0) {
    return absl::InternalError(absl::StrCat("cannot join ", cgroup_dirs[failure.cgroup], ": ",
                                            ErrnoText(failure.error_number)));
  }
  return absl::InternalError(absl::StrCat("cannot run ", exec_argv[0], ": ",
                                          ErrnoText(failure.error_number)));
}

absl::StatusOr<std::unique_ptr<ProcessInCgroups>> ProcessInCgroups::Exec(
    const std::vector<std::string>& cgroup_dirs, const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("no command to start");
  // Built before fork: the child must not allocate.
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  return Spawn(cgroup_dirs, cargv.data(), nullptr);
}

absl::StatusOr<std::unique_ptr<ProcessInCgroups>> ProcessInCgroups::Fork(
    const std::vector<std::string>& cgroup_dirs, const std::function<int()>& body) {
  return Spawn(cgroup_dirs, nullptr, body);
}

ProcessInCgroups::~ProcessInCgroups() {
  if (pid_ > 0) Stop(SIGKILL);
}

bool ProcessInCgroups::Running() {
  if (pid_ <= 0) return false;
  int wait_status = 0;
  if (waitpid(pid_, &wait_status, WNOHANG) != pid_) return true;
  exit_code_ = ExitCodeOf(wait_status);
  pid_ = -1;
  return false;
}

int ProcessInCgroups::Wait() {
  if (pid_ > 0) {
    int wait_status = 0;
    while (waitpid(pid_, &wait_status, 0) < 0 && errno == EINTR) {
    }
    exit_code_ = ExitCodeOf(wait_status);
    pid_ = -1;
  }
  return exit_code_;
}

int ProcessInCgroups::Stop(int signal) {
  if (pid_ > 0) kill(pid_, signal);
  return Wait();
}

}  // namespace submitwatch::testing
