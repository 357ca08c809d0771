// submitwatch: which code allocates memory in the block IO submit path, and
// are each cgroup's block IO stats ready? See docs/DESIGN.md and submitwatch(8).
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/memory_pressure.h"
#include "version.h"

namespace submitwatch {
namespace {

struct Command {
  const CommandSpec& (*spec)();
  int (*run)(const std::vector<std::string>& args);
};

const std::vector<Command>& CommandList() {
  static const auto* const kCommands = new std::vector<Command>{
      {&TopSpec, &RunTop},
      {&RecordSpec, &RunRecord},
      {&ReportSpec, &RunReport},
      {&CheckSpec, &RunCheck},
      {&DemoSpec, &RunDemo},
      {&ServeSpec, &RunServe},
      {&ProbeSpec, &RunProbe},
  };
  return *kCommands;
}


std::string MainHelp() {
  std::string out =
      "Usage: submitwatch COMMAND [OPTIONS]\n"
      "Watches the block IO submit path: per-cgroup block IO stats readiness, and\n"
      "every allocation made while submitting IO, with a verdict on whether it can\n"
      "deadlock under memory pressure.\n\nCommands:\n";
  for (const Command& c : CommandList()) {
    absl::StrAppend(&out, "  ", c.spec().name, std::string(10 - c.spec().name.size(), ' '),
                    c.spec().summary, "\n");
  }
  absl::StrAppend(&out,
                  "\nWith no command, submitwatch runs `top` when standard output is a terminal,\n"
                  "else `record` to standard output.\n"
                  "Options:\n"
                  "  -h, --help     show this help (or `submitwatch COMMAND --help`)\n"
                  "  -V, --version  show the version\n");
  return out;
}

int Main(int argc, char** argv) {
  // Before anything is allocated or a thread starts: what the live commands
  // lock once attached stays small.
  BoundMemoryForLocking();
  std::vector<std::string> args(argv + 1, argv + argc);
  // Interactive on a terminal; a capture stream into a pipe or file.
  if (args.empty()) return isatty(STDOUT_FILENO) ? RunTop({}) : RunRecord({});
  const std::string& first = args[0];
  if (first == "-h" || first == "--help" || first == "help") {
    fputs(MainHelp().c_str(), stdout);
    return kExitOk;
  }
  if (first == "-V" || first == "--version") {
    printf("submitwatch %s\n", SUBMITWATCH_VERSION);
    return kExitOk;
  }
  for (const Command& c : CommandList()) {
    if (c.spec().name == first) {
      std::vector<std::string> rest(args.begin() + 1, args.end());
      for (const std::string& a : rest) {
        if (a == "--") break;
        if (a == "-h" || a == "--help") {
          fputs(FormatHelp(c.spec()).c_str(), stdout);
          return kExitOk;
        }
      }
      return c.run(rest);
    }
  }
  if (first[0] == '-') return RunRecord(args);
  fprintf(stderr, "submitwatch: unknown command '%s'\nTry 'submitwatch --help'.\n",
          first.c_str());
  return kExitUsage;
}

}  // namespace
}  // namespace submitwatch

int main(int argc, char** argv) { return submitwatch::Main(argc, argv); }
