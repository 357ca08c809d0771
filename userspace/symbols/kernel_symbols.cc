#include "absl/strings/string_view.h"
#include "symbols/kernel_symbols.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace submitwatch {
namespace {

bool IsTextSymbol(char type) { return type == 't' || type == 'T' || type == 'w' || type == 'W'; }

// "submit_bio_noacct.cold" and "foo.isra.0" are parts of "submit_bio_noacct"
// and "foo" that the compiler moved or specialised.
bool NameMatches(absl::string_view symbol, absl::string_view name) {
  if (symbol == name) return true;
  return symbol.size() > name.size() && symbol.substr(0, name.size()) == name &&
         symbol[name.size()] == '.';
}

}  // namespace

KernelSymbols KernelSymbols::FromText(absl::string_view text) {
  KernelSymbols result;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    // "ffffffff81af94a0 T submit_bio\t[module]"
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() < 3 || fields[1].size() != 1 || !IsTextSymbol(fields[1][0])) continue;
    uint64_t address;
    if (!absl::SimpleHexAtoi(fields[0], &address) || address == 0) continue;
    result.symbols_.push_back({address, 0, std::string(fields[2])});
  }
  std::sort(result.symbols_.begin(), result.symbols_.end(),
            [](const KernelSymbol& a, const KernelSymbol& b) { return a.address < b.address; });
  // kallsyms has no sizes: a function ends where the next symbol starts. Past
  // the last symbol of a region (e.g. _einittext, before BPF JIT memory)
  // that guess is absurd, so no function is taken to span more than 1 MiB.
  constexpr uint64_t kMaxFunctionBytes = 1 << 20;
  for (size_t i = 0; i < result.symbols_.size(); ++i) {
    const uint64_t start = result.symbols_[i].address;
    const uint64_t next = i + 1 < result.symbols_.size() ? result.symbols_[i + 1].address
                                                         : start + 1;
    result.symbols_[i].end = std::min(next, start + kMaxFunctionBytes);
  }
  return result;
}

absl::StatusOr<KernelSymbols> KernelSymbols::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path,
                                            ": kernel symbols are needed to name call sites"));
  }
  std::stringstream text;
  text << in.rdbuf();
  KernelSymbols symbols = FromText(text.str());
  if (symbols.symbols_.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        path, " shows no addresses (kernel.kptr_restrict hides them): run as root, "
              "or set sysctl kernel.kptr_restrict=0 or 1"));
  }
  return symbols;
}

const KernelSymbol* KernelSymbols::Lookup(uint64_t address) const {
  auto it = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                             [](uint64_t a, const KernelSymbol& s) { return a < s.address; });
  if (it == symbols_.begin()) return nullptr;
  --it;
  if (address >= it->end) return nullptr;
  return &*it;
}

std::string KernelSymbols::Format(uint64_t address) const {
  const KernelSymbol* s = Lookup(address);
  if (s == nullptr) return absl::StrFormat("0x%x", address);
  return absl::StrFormat("%s+0x%x", s->name, address - s->address);
}

std::string KernelSymbols::FunctionName(uint64_t address) const {
  const KernelSymbol* s = Lookup(address);
  return s == nullptr ? std::string() : s->name;
}

std::vector<AddressRange> KernelSymbols::FunctionRanges(
    const std::vector<std::string>& names) const {
  std::vector<AddressRange> ranges;
  for (const KernelSymbol& s : symbols_) {
    for (const std::string& name : names) {
      if (NameMatches(s.name, name)) {
        ranges.push_back({s.address, s.end, s.name});
        break;
      }
    }
  }
  return ranges;  // symbols_ is sorted, so ranges are too
}

bool KernelSymbols::Has(absl::string_view name) const {
  return std::any_of(symbols_.begin(), symbols_.end(),
                     [&](const KernelSymbol& s) { return s.name == name; });
}

}  // namespace submitwatch
