// Table-driven command-line parsing: each command lists its options once, and
// the same table produces --help (and is what the man page is checked against).
#ifndef SUBMITWATCH_CLI_OPTIONS_H_
#define SUBMITWATCH_CLI_OPTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace submitwatch {

struct OptionSpec {
  std::string name;        // long name without dashes: "duration"
  char short_name = 0;     // 'd', or 0
  std::string value_name;  // "D" when the option takes a value; empty for flags
  std::string help;
};

struct CommandSpec {
  std::string name;      // "record"
  std::string synopsis;  // "[-o FILE|-] [--duration D] [-- CMD [ARGS...]]"
  std::string summary;   // one line
  std::vector<OptionSpec> options;
  bool takes_command = false;  // accepts "-- CMD ARGS..."
  int max_positional = 0;
  std::string notes = "";  // printed after the options by --help (e.g. exit statuses)
};

struct ParsedArgs {
  absl::flat_hash_map<std::string, std::string> values;  // flags map to ""; the last wins
  // Every value of each option that takes one, in command-line order, for
  // options that may be repeated (check --fail-on).
  absl::flat_hash_map<std::string, std::vector<std::string>> all_values;
  std::vector<std::string> positional;
  std::vector<std::string> command;  // after "--"
  bool Has(const std::string& name) const { return values.contains(name); }
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
};

// Usage errors come back as InvalidArgument; main turns them into exit 2.
absl::StatusOr<ParsedArgs> ParseArgs(const CommandSpec& spec, const std::vector<std::string>& args);
std::string FormatHelp(const CommandSpec& spec);

// "5s", "250ms", "2m", "1h": a positive duration; bare numbers are seconds.
absl::StatusOr<absl::Duration> ParsePositiveDuration(const std::string& option,
                                                     const std::string& text);
// The value of --NAME as a positive duration, stored in *out when the option
// was given (left alone otherwise).
absl::Status GetDuration(const ParsedArgs& args, const std::string& name, absl::Duration* out);
absl::Status GetDuration(const ParsedArgs& args, const std::string& name,
                         std::optional<absl::Duration>* out);

// "1048576", "256K", "4M": a byte count.
absl::StatusOr<uint64_t> ParseByteSize(const std::string& option, const std::string& text);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_OPTIONS_H_
