#include "capture/capture_reader.h"

#include <errno.h>
#include <fcntl.h>

#include <utility>
#include <variant>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "capture/capture_decode.h"
#include "capture/capture_format.h"
#include "capture/json_parser.h"
#include "common/errno_text.h"

namespace submitwatch {
namespace {

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

absl::StatusOr<Record> ParseRecordLine(std::string_view line) {
  absl::StatusOr<JsonValue> json = ParseJson(line);
  if (!json.ok()) return json.status();
  return DecodeRecord(*std::move(json));
}

absl::StatusOr<CaptureReader> CaptureReader::Open(const std::string& path) {
  std::string name = path;
  int fd = 0;
  bool owns_fd = false;
  if (path == "-") {
    name = "stdin";
  } else {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int error_number = errno;
      return absl::Status(absl::ErrnoToStatusCode(error_number),
                          absl::StrFormat("cannot open capture %s: %s", path,
                                          ErrnoText(error_number)));
    }
    owns_fd = true;
  }
  CaptureReader reader(std::move(name), LineReader(fd, owns_fd, kMaxCaptureLineBytes));
  if (absl::Status s = reader.ReadHeader(); !s.ok()) return s;
  return reader;
}

absl::StatusOr<std::vector<Record>> CaptureReader::ReadAll(const std::string& path) {
  absl::StatusOr<CaptureReader> reader = Open(path);
  if (!reader.ok()) return reader.status();
  std::vector<Record> records;
  while (true) {
    absl::StatusOr<std::optional<Record>> record = reader->Next();
    if (!record.ok()) return record.status();
    if (!record->has_value()) return records;
    records.push_back(**std::move(record));
  }
}

absl::Status CaptureReader::LineError(absl::string_view message) const {
  return absl::InvalidArgumentError(
      absl::StrFormat("%s: line %d: %s", path_, line_number_, message));
}

absl::Status CaptureReader::JsonLineError(const absl::Status& status) const {
  // ParseJson's messages start with "column N: ": "FILE: line 7, column 12: ...".
  return absl::InvalidArgumentError(
      absl::StrCat(path_, ": line ", line_number_, ", ", status.message()));
}

absl::Status CaptureReader::Fail(absl::Status status) {
  error_ = std::move(status);
  return error_;
}

absl::Status CaptureReader::ReadHeader() {
  while (true) {
    absl::StatusOr<std::optional<LineReader::Line>> line = lines_.Next();
    if (!line.ok()) {
      if (absl::IsOutOfRange(line.status())) {
        ++line_number_;
        return LineError(absl::StrCat("not a submitwatch capture (",
                                      line.status().message(), ")"));
      }
      return absl::Status(line.status().code(),
                          absl::StrCat(path_, ": ", line.status().message()));
    }
    if (!line->has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": empty file, not a submitwatch capture"));
    }
    ++line_number_;
    const LineReader::Line& text = **line;
    if (IsBlank(text.text)) continue;

    absl::StatusOr<JsonValue> json = ParseJson(text.text);
    if (!json.ok()) {
      if (!text.terminated) {
        return LineError("the header line is cut off (the recorder stopped while "
                         "writing it); there is nothing to read");
      }
      return LineError(absl::StrCat("not a submitwatch capture (not JSON: ",
                                    json.status().message(), ")"));
    }
    const JsonValue* format_value = json->Find("format");
    const std::string* format = format_value ? format_value->AsString() : nullptr;
    if (format == nullptr) {
      return LineError(absl::StrFormat(
          "not a submitwatch capture (format missing, expected \"%s\")", kCaptureFormat));
    }
    if (*format != kCaptureFormat) {
      return LineError(absl::StrFormat(
          "not a submitwatch capture (format \"%s\", expected \"%s\")",
          absl::CEscape(format->substr(0, 64)), kCaptureFormat));
    }
    const JsonValue* type = json->Find("type");
    if (type == nullptr || type->AsString() == nullptr ||
        *type->AsString() != kRecordTypeHeader) {
      return LineError("not a submitwatch capture (the first record is not a header)");
    }
    const JsonValue* version_value = json->Find("version");
    const std::optional<int64_t> version =
        version_value ? version_value->AsInt64() : std::nullopt;
    if (!version) {
      return LineError("the capture header has no integer \"version\"; the file is damaged");
    }
    if (*version > kCaptureVersion) {
      return absl::UnimplementedError(absl::StrFormat(
          "%s: line %d: the capture is format version %d, written by a newer "
          "submitwatch; this one reads version %d: upgrade submitwatch to read it",
          path_, line_number_, *version, kCaptureVersion));
    }
    if (*version < 1) {
      return LineError(absl::StrFormat("unsupported capture format version %d", *version));
    }
    absl::StatusOr<Record> header = DecodeRecord(*std::move(json));
    if (!header.ok()) return LineError(header.status().message());
    header_ = std::get<CaptureHeader>(*std::move(header));
    return absl::OkStatus();
  }
}

absl::StatusOr<std::optional<Record>> CaptureReader::Next() {
  if (!error_.ok()) return error_;
  if (!header_returned_) {
    header_returned_ = true;
    return std::optional<Record>(header_);
  }
  if (done_) return std::nullopt;
  while (true) {
    absl::StatusOr<std::optional<LineReader::Line>> line = lines_.Next();
    if (!line.ok()) {
      if (absl::IsOutOfRange(line.status())) {
        ++line_number_;
        return Fail(LineError(absl::StrCat(line.status().message(),
                                           "; the capture is damaged")));
      }
      return Fail(absl::Status(line.status().code(),
                               absl::StrCat(path_, ": ", line.status().message())));
    }
    if (!line->has_value()) {
      done_ = true;
      return std::nullopt;
    }
    ++line_number_;
    const LineReader::Line& text = **line;
    if (IsBlank(text.text)) continue;

    absl::StatusOr<JsonValue> json = ParseJson(text.text);
    if (!json.ok()) {
      // Only the last line can be cut off by a killed recorder; the same
      // damage anywhere else means the file was altered.
      if (!text.terminated) {
        truncated_ = true;
        truncated_line_ = line_number_;
        done_ = true;
        return std::nullopt;
      }
      return Fail(JsonLineError(json.status()));
    }
    absl::StatusOr<Record> record = DecodeRecord(*std::move(json));
    if (!record.ok()) {
      if (absl::IsUnimplemented(record.status())) {
        ++skipped_records_;
        continue;
      }
      return Fail(LineError(record.status().message()));
    }
    if (std::holds_alternative<CaptureHeader>(*record)) {
      return Fail(LineError("a second header record; captures cannot be "
                            "concatenated, read each file on its own"));
    }
    if (std::holds_alternative<CaptureSummary>(*record)) saw_summary_ = true;
    return std::optional<Record>(*std::move(record));
  }
}

std::string CaptureReader::warning() const {
  std::vector<std::string> parts;
  if (truncated_) {
    parts.push_back(absl::StrFormat(
        "%s: line %d is cut off (the recorder stopped while writing it); it was "
        "dropped and the records before it kept",
        path_, truncated_line_));
  } else if (done_ && !saw_summary_) {
    parts.push_back(absl::StrFormat(
        "%s: no summary record at the end: the capture was cut off (the recorder was "
        "killed or its host stopped); everything before is kept",
        path_));
  }
  if (skipped_records_ > 0) {
    parts.push_back(absl::StrFormat(
        "%s: skipped %d records of unknown type (written by a newer submitwatch)",
        path_, skipped_records_));
  }
  return absl::StrJoin(parts, "; ");
}

}  // namespace submitwatch
