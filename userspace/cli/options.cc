#include "absl/strings/string_view.h"
#include "cli/options.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace submitwatch {
namespace {

const OptionSpec* FindLong(const CommandSpec& spec, absl::string_view name) {
  for (const OptionSpec& o : spec.options) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

const OptionSpec* FindShort(const CommandSpec& spec, char c) {
  for (const OptionSpec& o : spec.options) {
    if (o.short_name != 0 && o.short_name == c) return &o;
  }
  return nullptr;
}

absl::Status Usage(const CommandSpec& spec, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(message, "\nTry 'submitwatch ", spec.name, " --help'."));
}

}  // namespace

std::string ParsedArgs::Get(const std::string& name, const std::string& fallback) const {
  auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

std::vector<std::string> ParsedArgs::GetAll(const std::string& name) const {
  auto it = all_values.find(name);
  return it == all_values.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<ParsedArgs> ParseArgs(const CommandSpec& spec,
                                     const std::vector<std::string>& args) {
  ParsedArgs parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      if (!spec.takes_command) return Usage(spec, "'--' is not accepted here");
      parsed.command.assign(args.begin() + i + 1, args.end());
      if (parsed.command.empty()) return Usage(spec, "'--' must be followed by a command");
      break;
    }
    const OptionSpec* option = nullptr;
    std::optional<std::string> inline_value;
    if (absl::StartsWith(arg, "--")) {
      std::string name = arg.substr(2);
      if (size_t eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
      option = FindLong(spec, name);
      if (option == nullptr) return Usage(spec, absl::StrCat("unknown option '--", name, "'"));
    } else if (arg.size() >= 2 && arg[0] == '-' && arg != "-") {
      option = FindShort(spec, arg[1]);
      if (option == nullptr) return Usage(spec, absl::StrCat("unknown option '", arg, "'"));
      if (arg.size() > 2) inline_value = arg.substr(2);
    } else {
      if (static_cast<int>(parsed.positional.size()) >= spec.max_positional) {
        return Usage(spec, absl::StrCat("unexpected argument '", arg, "'"));
      }
      parsed.positional.push_back(arg);
      continue;
    }
    if (option->value_name.empty()) {
      if (inline_value) {
        return Usage(spec, absl::StrCat("option '--", option->name, "' takes no value"));
      }
      parsed.values[option->name] = "";
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args.size()) {
        return Usage(spec, absl::StrCat("option '--", option->name, "' needs a value (",
                                        option->value_name, ")"));
      }
      inline_value = args[++i];
    }
    parsed.values[option->name] = *inline_value;
    parsed.all_values[option->name].push_back(*inline_value);
  }
  return parsed;
}

std::string FormatHelp(const CommandSpec& spec) {
  std::string out = absl::StrCat("Usage: submitwatch ", spec.name, " ", spec.synopsis, "\n",
                                 spec.summary, "\n\nOptions:\n");
  size_t width = 0;
  std::vector<std::string> lefts;
  for (const OptionSpec& o : spec.options) {
    std::string left = o.short_name ? absl::StrCat("-", std::string(1, o.short_name), ", ")
                                    : std::string("    ");
    absl::StrAppend(&left, "--", o.name);
    if (!o.value_name.empty()) absl::StrAppend(&left, " ", o.value_name);
    width = std::max(width, left.size());
    lefts.push_back(std::move(left));
  }
  for (size_t i = 0; i < spec.options.size(); ++i) {
    absl::StrAppendFormat(&out, "  %-*s  %s\n", static_cast<int>(width), lefts[i],
                          spec.options[i].help);
  }
  if (!spec.notes.empty()) absl::StrAppend(&out, "\n", spec.notes);
  return out;
}

absl::StatusOr<absl::Duration> ParsePositiveDuration(const std::string& option,
                                                     const std::string& text) {
  absl::Duration d;
  double seconds;
  if (absl::SimpleAtod(text, &seconds) && !absl::StrContains(text, "e") &&
      !absl::StrContains(text, "n") && !absl::StrContains(text, "N")) {
    d = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &d) || text == "inf" || text == "-inf") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", option, ": '", text, "' is not a duration (examples: 10s, 500ms, 2m, 1h)"));
  }
  if (d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", option, ": '", text, "' must be a positive duration"));
  }
  if (d > absl::Hours(24 * 366)) {
    return absl::InvalidArgumentError(absl::StrCat("--", option, ": '", text, "' is too long"));
  }
  return d;
}

absl::Status GetDuration(const ParsedArgs& args, const std::string& name, absl::Duration* out) {
  if (!args.Has(name)) return absl::OkStatus();
  absl::StatusOr<absl::Duration> d = ParsePositiveDuration(name, args.Get(name));
  if (!d.ok()) return d.status();
  *out = *d;
  return absl::OkStatus();
}

absl::Status GetDuration(const ParsedArgs& args, const std::string& name,
                         std::optional<absl::Duration>* out) {
  absl::Duration d;
  if (!args.Has(name)) return absl::OkStatus();
  if (absl::Status s = GetDuration(args, name, &d); !s.ok()) return s;
  *out = d;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ParseByteSize(const std::string& option, const std::string& text) {
  std::string digits = text;
  uint64_t scale = 1;
  if (!digits.empty()) {
    switch (absl::ascii_toupper(digits.back())) {
      case 'K': scale = 1ull << 10; digits.pop_back(); break;
      case 'M': scale = 1ull << 20; digits.pop_back(); break;
      case 'G': scale = 1ull << 30; digits.pop_back(); break;
      default: break;
    }
  }
  uint64_t value;
  if (!absl::SimpleAtoi(digits, &value) || value == 0 || value > (1ull << 40) / scale) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", option, ": '", text, "' is not a size (examples: 262144, 256K, 4M)"));
  }
  return value * scale;
}

}  // namespace submitwatch
