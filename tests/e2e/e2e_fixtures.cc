#include "e2e_fixtures.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/str_split.h"
#include "common/errno_text.h"
#include "kernel_fixtures.h"

namespace submitwatch::testing {

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::string& log_path) {
  auto child = std::unique_ptr<ChildProcess>(new ChildProcess);
  child->log_path_ = log_path;
  std::vector<std::string> args = argv;
  child->pid_ = fork();
  if (child->pid_ < 0) return absl::InternalError(absl::StrCat("fork: ", ErrnoText(errno)));
  if (child->pid_ == 0) {
    const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log < 0) _exit(126);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    std::vector<char*> cargv;
    for (std::string& a : args) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  return child;
}

std::string ChildProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool ChildProcess::Exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return true;
  }
  return false;
}

int ChildProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return 128 + SIGKILL;
}

ChildProcess::~ChildProcess() {
  Stop(SIGTERM);
  unlink(log_path_.c_str());
}

absl::StatusOr<ServeProcess> StartServe(const std::vector<std::string>& args,
                                        const std::string& log_path,
                                        const std::vector<std::string>& wrapper) {
  std::vector<std::string> serve_args = {"--listen", "127.0.0.1:0"};
  serve_args.insert(serve_args.end(), args.begin(), args.end());
  std::vector<std::string> argv = wrapper;
  for (std::string& a : SubmitwatchCommand("serve", serve_args)) argv.push_back(std::move(a));
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(argv, log_path);
  if (!child.ok()) return child.status();
  ServeProcess serve{*std::move(child), 0};
  const std::string kServing = "serving http://127.0.0.1:";
  // Loading is slow on a busy machine: allow two minutes.
  for (int i = 0; i < 1200; ++i) {
    const std::string log = serve.process->Log();
    if (const size_t at = log.find(kServing); at != std::string::npos) {
      const std::string rest = log.substr(at + kServing.size());
      uint32_t port = 0;
      if (absl::SimpleAtoi(rest.substr(0, rest.find('/')), &port) && port != 0) {
        serve.port = static_cast<uint16_t>(port);
        return serve;
      }
    }
    if (serve.process->Exited()) {
      return absl::InternalError(absl::StrCat("serve exited before listening: ", log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("serve did not listen within 2 minutes: ", serve.process->Log()));
}

absl::StatusOr<std::unique_ptr<TempDir>> TempDir::Create(const std::string& stem) {
  std::string pattern = TempPath(stem + "-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, ": ", ErrnoText(errno)));
  }
  auto dir = std::unique_ptr<TempDir>(new TempDir);
  dir->path_ = pattern;
  return dir;
}

TempDir::~TempDir() {
  nftw(
      path_.c_str(),
      [](const char* path, const struct stat*, int, struct FTW*) { return remove(path); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

uint16_t FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  uint16_t port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string UrlEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += absl::StrFormat("%%%02X", c);
    }
  }
  return out;
}

std::optional<std::string> SampleValue(const std::string& exposition, const std::string& sample) {
  const std::string prefix = sample + " ";
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (absl::StartsWith(line, prefix)) return std::string(line.substr(prefix.size()));
  }
  return std::nullopt;
}

std::string FindProgram(const std::vector<std::string>& names) {
  const char* path = getenv("PATH");
  for (const std::string& name : names) {
    for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':')) {
      const std::string candidate = absl::StrCat(dir, "/", name);
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return "";
}

}  // namespace submitwatch::testing
