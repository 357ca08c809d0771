// Aligned plain-text tables for the text report: columns padded to their
// widest cell, two spaces apart, no trailing blanks (diff-friendly).
#ifndef SUBMITWATCH_SINKS_REPORT_TEXT_TABLE_H_
#define SUBMITWATCH_SINKS_REPORT_TEXT_TABLE_H_

#include <string>
#include <string_view>
#include <vector>

namespace submitwatch {

// `text` with every control character (C0, DEL, and C1 as UTF-8) replaced
// by '?': names come from captures, which are untrusted, and a comm or path
// must not move the cursor, clear the screen or break a line on a terminal.
std::string PrintableText(std::string_view text);

class TextTable {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string_view header;
    Align align = Align::kLeft;
  };

  explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // Missing cells print empty; extra cells are dropped. Cells go through
  // PrintableText.
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  // The header line and one line per row, each ending in '\n'.
  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SINKS_REPORT_TEXT_TABLE_H_
