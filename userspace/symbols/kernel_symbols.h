// Kernel address -> symbol, from /proc/kallsyms: call sites, stacks and work
// functions are symbolized once, in the collector, so captures are readable
// on any machine.
#ifndef SUBMITWATCH_SYMBOLS_KERNEL_SYMBOLS_H_
#define SUBMITWATCH_SYMBOLS_KERNEL_SYMBOLS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"

namespace submitwatch {

struct KernelSymbol {
  uint64_t address = 0;
  uint64_t end = 0;        // start of the next symbol: functions are contiguous
  std::string_view name;   // valid as long as the KernelSymbols
};

struct AddressRange {
  uint64_t start = 0;
  uint64_t end = 0;  // exclusive
  std::string name;
};

class KernelSymbols {
 public:
  // Parses a kallsyms-format file. Fails when every address reads as zero
  // (kptr_restrict hides them from this user).
  static absl::StatusOr<KernelSymbols> Load(const std::string& path = "/proc/kallsyms");
  static KernelSymbols FromText(absl::string_view text);

  std::optional<KernelSymbol> Lookup(uint64_t address) const;
  // "blkg_alloc+0x4f", or "0xffffffff81234567" when unknown.
  std::string Format(uint64_t address) const;
  // The same, appended to `out`: no allocation once `out` has room (the
  // collector symbolizes every frame of every allocation event).
  void AppendFormat(std::string& out, uint64_t address) const;
  // The function name alone, valid as long as this; empty when unknown.
  std::string_view FunctionName(uint64_t address) const;

  // Ranges of the named functions, including compiler-split parts such as
  // "submit_bio_noacct.cold" and "foo.isra.0", sorted by start.
  std::vector<AddressRange> FunctionRanges(const std::vector<std::string>& names) const;
  bool Has(absl::string_view name) const;
  size_t size() const { return starts_.size(); }

 private:
  KernelSymbol At(size_t i) const;

  // Text symbols sorted by address, as parallel arrays with the names in one
  // block: a kernel has 100k+ of them, and record's resident size is a goal
  // (a vector of {address, end, std::string} took 7 MiB here, this 4).
  std::vector<uint64_t> starts_;
  std::vector<uint32_t> name_ends_;  // name i is names_[name_ends_[i-1], name_ends_[i])
  std::string names_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_SYMBOLS_KERNEL_SYMBOLS_H_
