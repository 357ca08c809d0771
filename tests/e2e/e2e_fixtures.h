// What the end-to-end tests of `submitwatch serve` need beyond the kernel
// fixtures: child processes (serve, a real Prometheus) killed on
// destruction, and a temporary directory removed with everything in it.
#ifndef SUBMITWATCH_TESTS_E2E_E2E_FIXTURES_H_
#define SUBMITWATCH_TESTS_E2E_E2E_FIXTURES_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "http_get.h"

namespace submitwatch::testing {

// A process started with its stdout and stderr in a log file; destruction
// sends SIGTERM, waits up to 10 s, then SIGKILL.
class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(const std::vector<std::string>& argv,
                                                             const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::string Log() const;
  // Whether it has exited (and is reaped).
  bool Exited();
  // Sends `signal` and waits; the exit status (128 + signal when killed).
  int Stop(int signal);

 private:
  ChildProcess() = default;

  pid_t pid_ = -1;
  std::string log_path_;
};

// `serve --listen 127.0.0.1:0 ARGS...` (run by `wrapper`, e.g. setpriv,
// when given), started and waited for until it says where it listens.
struct ServeProcess {
  std::unique_ptr<ChildProcess> process;
  uint16_t port = 0;
};
absl::StatusOr<ServeProcess> StartServe(const std::vector<std::string>& args,
                                        const std::string& log_path,
                                        const std::vector<std::string>& wrapper = {});

class TempDir {
 public:
  static absl::StatusOr<std::unique_ptr<TempDir>> Create(const std::string& stem);
  ~TempDir();  // removes it and everything in it
  const std::string& path() const { return path_; }

 private:
  TempDir() = default;

  std::string path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
uint16_t FreeLoopbackPort();

std::string UrlEncode(std::string_view text);

// The value of the sample `name{labels}` (labels exactly as the exposition
// writes them, or empty) in a Prometheus text exposition.
std::optional<std::string> SampleValue(const std::string& exposition, const std::string& sample);

// The path of the first of `names` on PATH, or empty.
std::string FindProgram(const std::vector<std::string>& names);

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_E2E_E2E_FIXTURES_H_
