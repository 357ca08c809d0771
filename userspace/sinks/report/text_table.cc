#include "sinks/report/text_table.h"

#include <algorithm>
#include <utility>

namespace submitwatch {

std::string PrintableText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      out.push_back('?');
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      out.push_back('?');  // U+0080..U+009F: C1 controls, CSI among them
      ++i;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

namespace {

// Whether PrintableText() would change nothing: most cells, kept as they
// are rather than copied (a report of 350,000 rows makes millions).
bool AlreadyPrintable(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7F || c == 0xC2;
  });
}

}  // namespace

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  for (std::string& cell : cells) {
    if (!AlreadyPrintable(cell)) cell = PrintableText(cell);
  }
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render() const {
  std::vector<size_t> widths(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    widths[c] = columns_[c].header.size();
    for (const auto& row : rows_) widths[c] = std::max(widths[c], row[c].size());
  }
  // Sized once: doubling as it grew held half as much again at its peak.
  size_t line_bytes = 1;
  for (size_t c = 0; c < columns_.size(); ++c) line_bytes += widths[c] + (c > 0 ? 2 : 0);
  std::string out;
  out.reserve((rows_.size() + 1) * line_bytes);
  const auto append_line = [&](const auto& cell_at) {
    std::string line;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const std::string_view cell = cell_at(c);
      const size_t pad = widths[c] - cell.size();
      if (c > 0) line.append(2, ' ');
      if (columns_[c].align == Align::kRight) line.append(pad, ' ');
      line.append(cell);
      if (columns_[c].align == Align::kLeft) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.append(line);
    out.push_back('\n');
  };
  append_line([&](size_t c) { return columns_[c].header; });
  for (const auto& row : rows_) {
    append_line([&](size_t c) { return std::string_view(row[c]); });
  }
  return out;
}

}  // namespace submitwatch
