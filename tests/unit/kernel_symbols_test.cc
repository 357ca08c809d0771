// Symbolizing kernel addresses from kallsyms text; no kernel needed.
#include "symbols/kernel_symbols.h"

#include <string>

#include "gtest/gtest.h"

namespace submitwatch {
namespace {

constexpr char kKallsyms[] =
    "ffffffff81000000 T _stext\n"
    "ffffffff81af9400 T submit_bio_noacct\n"
    "ffffffff81af94a0 T submit_bio\n"
    "ffffffff81af9500 t blkg_alloc\n"
    "ffffffff81af9600 d some_data\n"  // not text: skipped
    "ffffffff81af9700 t submit_bio_noacct.cold\n"
    "ffffffffc0001000 t loop_workfn\t[loop]\n"
    "ffffffffc0001100 t loop_queue_rq\t[loop]\n"
    "0000000000000000 T hidden\n";  // kptr_restrict: skipped

TEST(KernelSymbols, NamesAddressesInsideFunctions) {
  const KernelSymbols symbols = KernelSymbols::FromText(kKallsyms);
  EXPECT_EQ(symbols.size(), 7u);
  EXPECT_EQ(symbols.Format(0xffffffff81af94a0), "submit_bio+0x0");
  EXPECT_EQ(symbols.Format(0xffffffff81af94ff), "submit_bio+0x5f");
  EXPECT_EQ(symbols.FunctionName(0xffffffff81af9510), "blkg_alloc");
  // blkg_alloc runs to the next symbol, text or not.
  EXPECT_EQ(symbols.FunctionName(0xffffffff81af96ff), "blkg_alloc");
  EXPECT_EQ(symbols.FunctionName(0xffffffffc0001010), "loop_workfn");
  EXPECT_EQ(symbols.Format(0xffffffff80000000), "0xffffffff80000000");
  EXPECT_EQ(symbols.FunctionName(0xffffffff80000000), "");
  const std::optional<KernelSymbol> s = symbols.Lookup(0xffffffff81af9401);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->address, 0xffffffff81af9400u);
  EXPECT_EQ(s->end, 0xffffffff81af94a0u);
  EXPECT_EQ(s->name, "submit_bio_noacct");
}

TEST(KernelSymbols, PaddingSymbolsAreLeftOut) {
  const KernelSymbols symbols = KernelSymbols::FromText(
      "ffffffff81af93f0 T __pfx_submit_bio_noacct\n"
      "ffffffff81af9400 T submit_bio_noacct\n"
      "ffffffff81af9490 t __cfi_submit_bio\n"
      "ffffffff81af94a0 T submit_bio\n");
  EXPECT_EQ(symbols.size(), 2u);
  EXPECT_EQ(symbols.Format(0xffffffff81af9404), "submit_bio_noacct+0x4");
  // The padding before the first function is no function's.
  EXPECT_EQ(symbols.FunctionName(0xffffffff81af93f8), "");
  // Padding after one function and before the next counts as the first's.
  EXPECT_EQ(symbols.FunctionName(0xffffffff81af9498), "submit_bio_noacct");
  EXPECT_EQ(symbols.FunctionName(0xffffffff81af94a0), "submit_bio");
}

TEST(KernelSymbols, NoFunctionSpansMoreThanOneMebibyte) {
  const KernelSymbols symbols = KernelSymbols::FromText(kKallsyms);
  // _stext to submit_bio_noacct is ~11 MiB: past 1 MiB it is not _stext.
  EXPECT_EQ(symbols.FunctionName(0xffffffff81000010), "_stext");
  EXPECT_EQ(symbols.FunctionName(0xffffffff81200000), "");
  // The last symbol covers one byte only.
  EXPECT_EQ(symbols.FunctionName(0xffffffffc0001100), "loop_queue_rq");
  EXPECT_EQ(symbols.FunctionName(0xffffffffc0001101), "");
}

TEST(KernelSymbols, RangesIncludeCompilerSplitParts) {
  const KernelSymbols symbols = KernelSymbols::FromText(kKallsyms);
  const std::vector<AddressRange> ranges = symbols.FunctionRanges({"submit_bio_noacct"});
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].name, "submit_bio_noacct");
  EXPECT_EQ(ranges[0].start, 0xffffffff81af9400u);
  EXPECT_EQ(ranges[0].end, 0xffffffff81af94a0u);
  EXPECT_EQ(ranges[1].name, "submit_bio_noacct.cold");
  EXPECT_TRUE(symbols.Has("blkg_alloc"));
  EXPECT_FALSE(symbols.Has("blkg"));
  EXPECT_FALSE(symbols.Has("some_data"));
}

}  // namespace
}  // namespace submitwatch
