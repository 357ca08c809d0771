// Runs the built binary the way a user's shell would, for the command-line
// tests: no terminal, standard input empty.
#ifndef SUBMITWATCH_TESTS_CLI_CLI_RUNNER_H_
#define SUBMITWATCH_TESTS_CLI_CLI_RUNNER_H_

#include <string>

namespace submitwatch::testing {

struct CliResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string output;  // standard output and standard error, interleaved
};

// `submitwatch ARGS` through the shell (ARGS may quote and redirect).
CliResult RunCli(const std::string& args);

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_CLI_CLI_RUNNER_H_
