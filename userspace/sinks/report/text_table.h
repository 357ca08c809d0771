// Aligned plain-text tables for the text report: columns padded to their
// widest cell, two spaces apart, no trailing blanks (diff-friendly).
#ifndef SUBMITWATCH_SINKS_REPORT_TEXT_TABLE_H_
#define SUBMITWATCH_SINKS_REPORT_TEXT_TABLE_H_

#include <string>
#include <string_view>
#include <vector>

namespace submitwatch {

class TextTable {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string_view header;
    Align align = Align::kLeft;
  };

  explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // Missing cells print empty; extra cells are dropped.
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
