// `submitwatch report FILE`: a capture through the same model as live mode.
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "model/model.h"
#include "sinks/capture/capture_reader.h"
#include "sinks/capture/output_file.h"
#include "sinks/report/report_json.h"
#include "sinks/report/report_text.h"

namespace submitwatch {
namespace {

absl::Status WriteAll(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::DataLossError(absl::StrCat("writing ", path, ": ", strerror(errno)));
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status Report(const ParsedArgs& args) {
  if (args.positional.size() != 1) {
    return absl::InvalidArgumentError(
        "report needs one capture FILE ('-' for standard input)\n"
        "Try 'submitwatch report --help'.");
  }
  const std::string format = args.Get("format", "text");
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format: '", format, "' is not one of text, json\nTry 'submitwatch report --help'."));
  }
  const std::string& path = args.positional[0];
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(path);
  if (!reader.ok()) return reader.status();
  Model model;
  while (true) {
    absl::StatusOr<std::optional<Record>> record = reader->Next();
    if (!record.ok()) return record.status();
    if (!record->has_value()) break;
    model.Add(**record);
  }
  if (reader->truncated()) fprintf(stderr, "submitwatch: warning: %s\n", reader->warning().c_str());

  const std::string text = format == "json" ? RenderReportJson(model) : RenderReportText(model);
  absl::StatusOr<OutputFile> out = OutputFile::Create(args.Get("output", "-"));
  if (!out.ok()) return out.status();
  if (absl::Status s = WriteAll(out->fd(), text, out->path()); !s.ok()) return s;
  return out->Commit();
}

}  // namespace

const CommandSpec& ReportSpec() {
  static const auto* const kSpec = new CommandSpec{
      "report",
      "FILE [--format text|json] [-o FILE]",
      "Print the cgroup, allocation and workqueue tables of a capture (no privileges needed).",
      {
          {"format", 'f', "FMT", "text (default) or json (with a \"schema\" version)"},
          {"output", 'o', "FILE", "write the report to FILE instead of standard output"},
          {"help", 'h', "", "show this help"},
      },
      /*takes_command=*/false,
      /*max_positional=*/1,
  };
  return *kSpec;
}

int RunReport(const std::vector<std::string>& args) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(ReportSpec(), args);
  if (!parsed.ok()) return ReportError(parsed.status(), "report");
  signal(SIGPIPE, SIG_IGN);
  if (absl::Status s = Report(*parsed); !s.ok()) {
    if (absl::StrContains(s.message(), "EPIPE")) return kExitOk;
    return ReportError(s, "report");
  }
  return kExitOk;
}

}  // namespace submitwatch
