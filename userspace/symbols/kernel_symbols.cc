#include "absl/strings/string_view.h"
#include "symbols/kernel_symbols.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace submitwatch {
namespace {

bool IsTextSymbol(char type) { return type == 't' || type == 'T' || type == 'w' || type == 'W'; }

// Since 6.2 ("objtool: Add --prefix", for x86 call depth tracking and
// FineIBT) each function is preceded by padding named __pfx_<function>, and
// with kCFI by __cfi_<function>: half the text symbols. No call site or
// return address lies in them, and leaving them out halves the table, which
// stays resident (and locked) while recording.
bool IsPaddingSymbol(absl::string_view name) {
  return absl::StartsWith(name, "__pfx_") || absl::StartsWith(name, "__cfi_");
}

// "submit_bio_noacct.cold" and "foo.isra.0" are parts of "submit_bio_noacct"
// and "foo" that the compiler moved or specialised.
bool NameMatches(absl::string_view symbol, absl::string_view name) {
  if (symbol == name) return true;
  return symbol.size() > name.size() && symbol.substr(0, name.size()) == name &&
         symbol[name.size()] == '.';
}

}  // namespace

// kallsyms has no sizes: a function ends where the next symbol starts. Past
// the last symbol of a region (e.g. _einittext, before BPF JIT memory) that
// guess is absurd, so no function is taken to span more than 1 MiB.
constexpr uint64_t kMaxFunctionBytes = 1 << 20;

KernelSymbols KernelSymbols::FromText(absl::string_view text) {
  struct Parsed {
    uint64_t address;
    absl::string_view name;  // into text
  };
  std::vector<Parsed> parsed;
  size_t name_bytes = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    // "ffffffff81af94a0 T submit_bio\t[module]"
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() < 3 || fields[1].size() != 1 || !IsTextSymbol(fields[1][0]) ||
        IsPaddingSymbol(fields[2])) {
      continue;
    }
    uint64_t address;
    if (!absl::SimpleHexAtoi(fields[0], &address) || address == 0) continue;
    parsed.push_back({address, fields[2]});
    name_bytes += fields[2].size();
  }
  std::stable_sort(parsed.begin(), parsed.end(),
                   [](const Parsed& a, const Parsed& b) { return a.address < b.address; });
  KernelSymbols result;
  result.starts_.reserve(parsed.size());
  result.name_ends_.reserve(parsed.size());
  result.names_.reserve(name_bytes);
  for (const Parsed& p : parsed) {
    result.starts_.push_back(p.address);
    result.names_.append(p.name.data(), p.name.size());
    result.name_ends_.push_back(static_cast<uint32_t>(result.names_.size()));
  }
  return result;
}

KernelSymbol KernelSymbols::At(size_t i) const {
  const uint64_t start = starts_[i];
  const uint64_t next = i + 1 < starts_.size() ? starts_[i + 1] : start + 1;
  const uint32_t name_begin = i == 0 ? 0 : name_ends_[i - 1];
  return {start, std::min(next, start + kMaxFunctionBytes),
          std::string_view(names_).substr(name_begin, name_ends_[i] - name_begin)};
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
  if (symbols.starts_.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        path, " shows no addresses (kernel.kptr_restrict hides them): run as root, "
              "or set sysctl kernel.kptr_restrict=0 or 1"));
  }
  return symbols;
}

std::optional<KernelSymbol> KernelSymbols::Lookup(uint64_t address) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), address);
  if (it == starts_.begin()) return std::nullopt;
  const KernelSymbol s = At(static_cast<size_t>(it - starts_.begin()) - 1);
  if (address >= s.end) return std::nullopt;
  return s;
}

std::string KernelSymbols::Format(uint64_t address) const {
  std::string text;
  AppendFormat(text, address);
  return text;
}

void KernelSymbols::AppendFormat(std::string& out, uint64_t address) const {
  const std::optional<KernelSymbol> s = Lookup(address);
  if (!s) {
    absl::StrAppend(&out, "0x", absl::Hex(address));
    return;
  }
  absl::StrAppend(&out, absl::string_view(s->name.data(), s->name.size()), "+0x",
                  absl::Hex(address - s->address));
}

std::string_view KernelSymbols::FunctionName(uint64_t address) const {
  const std::optional<KernelSymbol> s = Lookup(address);
  return s ? s->name : std::string_view();
}

std::vector<AddressRange> KernelSymbols::FunctionRanges(
    const std::vector<std::string>& names) const {
  std::vector<AddressRange> ranges;
  for (size_t i = 0; i < starts_.size(); ++i) {
    const KernelSymbol s = At(i);
    const absl::string_view symbol(s.name.data(), s.name.size());
    for (const std::string& name : names) {
      if (NameMatches(symbol, name)) {
        ranges.push_back({s.address, s.end, std::string(s.name)});
        break;
      }
    }
  }
  return ranges;  // sorted by address, as the symbols are
}

bool KernelSymbols::Has(absl::string_view name) const {
  for (size_t i = 0; i < starts_.size(); ++i) {
    const std::string_view s = At(i).name;
    if (absl::string_view(s.data(), s.size()) == name) return true;
  }
  return false;
}

}  // namespace submitwatch
