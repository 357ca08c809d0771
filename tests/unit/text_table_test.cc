#include "sinks/report/text_table.h"

#include <string>

#include "gtest/gtest.h"

namespace submitwatch {
namespace {

TEST(PrintableText, ReplacesControlCharacters) {
  EXPECT_EQ(PrintableText("kworker/0:1"), "kworker/0:1");
  EXPECT_EQ(PrintableText(std::string("a\0b\x1b[2J\x7f\n", 9)), "a?b?[2J??");
  EXPECT_EQ(PrintableText("x\xc2\x9b" "31m"), "x?31m");     // C1 CSI
  EXPECT_EQ(PrintableText("caf\xc3\xa9 \xc2\xa0"), "caf\xc3\xa9 \xc2\xa0");  // not controls
  EXPECT_EQ(PrintableText("end\xc2"), "end\xc2");
}

TEST(TextTable, CellsArePrintable) {
  TextTable table({{"NAME"}});
  table.AddRow({"evil\x1b]0;t\x07"});
  EXPECT_EQ(table.Render(), "NAME\nevil?]0;t?\n");
}

}  // namespace
}  // namespace submitwatch
