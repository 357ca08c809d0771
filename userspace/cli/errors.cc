#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"

namespace submitwatch {

int ReportError(const absl::Status& status, const std::string& command) {
  std::string message(status.message());
  const bool usage = absl::IsInvalidArgument(status);
  if (usage && !absl::StrContains(message, "--help")) {
    absl::StrAppend(&message, "\nTry 'submitwatch ", command, command.empty() ? "" : " ",
                    "--help'.");
  }
  fprintf(stderr, "submitwatch: %s\n", message.c_str());
  return usage ? kExitUsage : kExitFailure;
}

}  // namespace submitwatch
