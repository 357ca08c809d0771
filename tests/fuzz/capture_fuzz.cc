// libFuzzer target: capture files are untrusted input. Each input is parsed
// line by line with ParseRecordLine, the records are fed to a Model and the
// text and JSON reports rendered; the whole input is also read back through
// CaptureReader from a temporary file (header checks, truncation, line limit).
// Built and run by tests/fuzz/run (clang, ASan + UBSan).
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "capture/capture_reader.h"
#include "model/model.h"
#include "sinks/report/report_json.h"
#include "sinks/report/report_text.h"

namespace {

void ParseLines(std::string_view input) {
  submitwatch::Model model;
  while (!input.empty()) {
    size_t end = input.find('\n');
    std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    auto record = submitwatch::ParseRecordLine(line);
    if (record.ok()) model.Add(*record);
  }
  (void)submitwatch::RenderReportText(model);
  (void)submitwatch::RenderReportJson(model);
}

void ReadAsFile(std::string_view input) {
  static const std::string path = [] {
    const char* dir = getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/capture_fuzz." +
           std::to_string(getpid()) + ".jsonl";
  }();
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  size_t done = 0;
  while (done < input.size()) {
    ssize_t n = write(fd, input.data() + done, input.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  close(fd);
  auto reader = submitwatch::CaptureReader::Open(path);
  if (reader.ok()) {
    submitwatch::Model model;
    for (;;) {
      auto next = reader->Next();
      if (!next.ok() || !next->has_value()) break;
      model.Add(**next);
    }
    (void)reader->warning();
    (void)submitwatch::RenderReportText(model);
    (void)submitwatch::RenderReportJson(model);
  }
  unlink(path.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ParseLines(input);
  ReadAsFile(input);
  return 0;
}
