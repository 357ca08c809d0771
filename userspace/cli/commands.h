// The subcommands. Each returns the process exit status; errors are printed
// by the command as one line on stderr.
#ifndef SUBMITWATCH_CLI_COMMANDS_H_
#define SUBMITWATCH_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "cli/options.h"

namespace submitwatch {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

const CommandSpec& TopSpec();
const CommandSpec& RecordSpec();
const CommandSpec& ReportSpec();
const CommandSpec& ProbeSpec();
const CommandSpec& CheckSpec();
const CommandSpec& DemoSpec();
const CommandSpec& ServeSpec();

int RunTop(const std::vector<std::string>& args);
// `top` for a command that needs its privileges after top returns (demo
// removes the disk and cgroups it made).
int RunTopKeepingPrivileges(const std::vector<std::string>& args);
int RunRecord(const std::vector<std::string>& args);
int RunReport(const std::vector<std::string>& args);
int RunProbe(const std::vector<std::string>& args);
int RunCheck(const std::vector<std::string>& args);
int RunDemo(const std::vector<std::string>& args);
int RunServe(const std::vector<std::string>& args);

// Prints "submitwatch: <message>" on stderr and returns the exit status that
// fits the error: usage errors (InvalidArgument) get a hint and exit 2.
int ReportError(const absl::Status& status, const std::string& command);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_COMMANDS_H_
