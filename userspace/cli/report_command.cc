// `submitwatch report FILE`: a capture through the same model as live mode.
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "capture/capture_reader.h"
#include "capture/output_file.h"
#include "cli/commands.h"
#include "common/errno_text.h"
#include "model/model.h"
#include "model/names.h"
#include "sinks/export/folded_export.h"
#include "sinks/export/perfetto_export.h"
#include "sinks/report/report_json.h"
#include "sinks/report/report_text.h"

namespace submitwatch {
namespace {

absl::Status WriteAll(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error_number = errno;
      return WithErrno(
          absl::DataLossError(absl::StrCat("writing ", path, ": ", ErrnoText(error_number))),
          error_number);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

std::string Str(std::string_view s) { return std::string(s); }

// A report builds its large tables phase by phase (the model, its rows, the
// text) and lets each go before the next. glibc gives every block past its
// mmap threshold a mapping of its own and unmaps it when freed, and returns
// a heap's free top to the kernel: so each phase faulted in, zeroed by the
// kernel, memory the one before had just given back. From the heap, and
// kept when freed, the memory is reused instead: the report of a capture of
// 350,000 cgroups spends about 0.4 s less in the kernel (of 1.2 s), and its
// peak RSS grows by what fragmentation keeps (654 to 711 MiB). A report
// ends when it is written, so nothing holds the memory long.
void KeepFreedMemory() {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
}

absl::Status Usage(const std::string& message) {
  return absl::InvalidArgumentError(
      absl::StrCat(message, "\nTry 'submitwatch report --help'."));
}

absl::Status Report(const ParsedArgs& args) {
  if (args.positional.size() != 1) {
    return Usage("report needs one capture FILE ('-' for standard input)");
  }
  const std::string format = args.Get("format", Str(names::kFormatText));
  if (format != names::kFormatText && format != names::kFormatJson &&
      format != names::kFormatPerfetto && format != names::kFormatFolded) {
    return Usage(absl::StrCat(
        "--format: '", format, "' is not one of ",
        absl::StrJoin({Str(names::kFormatText), Str(names::kFormatJson),
                       Str(names::kFormatPerfetto), Str(names::kFormatFolded)},
                      ", ")));
  }
  FoldedWeight weight = FoldedWeight::kCount;
  if (args.Has("weight")) {
    if (format != names::kFormatFolded) {
      return Usage(
          absl::StrCat("--weight applies to --format ", Str(names::kFormatFolded), " only"));
    }
    std::optional<FoldedWeight> parsed = ParseFoldedWeight(args.Get("weight"));
    if (!parsed) {
      return Usage(absl::StrCat("--weight: '", args.Get("weight"), "' is not one of ",
                                Str(names::kWeightCount), ", ", Str(names::kWeightBytes)));
    }
    weight = *parsed;
  }
  const std::string& path = args.positional[0];
  KeepFreedMemory();
  absl::StatusOr<CaptureReader> reader = CaptureReader::Open(path);
  if (!reader.ok()) return reader.status();

  // Each format has its own consumer: the tables need the model; the
  // exports need the records' timing and stacks, which the model aggregates.
  // Never freed: the process ends with the report, and freeing the model of
  // a capture of 350,000 cgroups took 8 % of the report's time.
  Model& model = *new Model;
  PerfettoTrace trace;
  FoldedStacks folded;
  std::function<void(const Record&)> add = [&model](const Record& r) { model.Add(r); };
  if (format == names::kFormatPerfetto) add = [&trace](const Record& r) { trace.Add(r); };
  if (format == names::kFormatFolded) add = [&folded](const Record& r) { folded.Add(r); };
  while (true) {
    absl::StatusOr<std::optional<Record>> record = reader->Next();
    if (!record.ok()) return record.status();
    if (!record->has_value()) break;
    add(**record);
  }
  if (!reader->warning().empty()) {
    fprintf(stderr, "submitwatch: warning: %s\n", reader->warning().c_str());
  }

  std::string text;
  if (format == names::kFormatJson) {
    text = RenderReportJson(model);
  } else if (format == names::kFormatPerfetto) {
    text = trace.Finish();
  } else if (format == names::kFormatFolded) {
    text = folded.Render(weight);
  } else {
    text = RenderReportText(model);
  }
  absl::StatusOr<OutputFile> out = OutputFile::Create(args.Get("output", "-"));
  if (!out.ok()) return out.status();
  if (absl::Status s = WriteAll(out->fd(), text, out->path()); !s.ok()) return s;
  return out->Commit();
}

}  // namespace

const CommandSpec& ReportSpec() {
  static const auto* const kSpec = new CommandSpec{
      "report",
      "FILE [--format text|json|perfetto|folded] [--weight count|bytes] [-o FILE]",
      "Print a capture's tables, or export it as a trace or flame-graph stacks (no root needed).",
      {
          {"format", 'f', "FMT",
           "text (default); json (the tables, with a \"schema\" version); perfetto (Chrome "
           "trace-event JSON for ui.perfetto.dev); folded (submit-path allocation stacks for "
           "flamegraph.pl)"},
          {"weight", 'w', "W",
           "with --format folded: weigh stacks by allocation count (default) or bytes"},
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
    // A reader that went away (`| head`) is not an error worth a message.
    if (ErrnoOf(s) == EPIPE) return kExitOk;
    return ReportError(s, "report");
  }
  return kExitOk;
}

}  // namespace submitwatch
