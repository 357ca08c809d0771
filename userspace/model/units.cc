#include "model/units.h"

#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace submitwatch {

std::string FormatDuration(uint64_t ns) {
  constexpr uint64_t kUs = 1000;
  constexpr uint64_t kMs = 1000 * kUs;
  constexpr uint64_t kS = 1000 * kMs;
  constexpr uint64_t kMin = 60 * kS;
  if (ns < kUs) return absl::StrCat(ns, "ns");
  if (ns < kMs) return absl::StrFormat("%.1fus", static_cast<double>(ns) / kUs);
  if (ns < kS) return absl::StrFormat("%.1fms", static_cast<double>(ns) / kMs);
  if (ns < kMin) return absl::StrFormat("%.2fs", static_cast<double>(ns) / kS);
  return absl::StrFormat("%dm%02ds", ns / kMin, (ns % kMin) / kS);
}

std::string FormatBytes(uint64_t bytes) {
  constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return absl::StrCat(bytes, "B");
  double value = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.1f%s", value, kUnits[unit]);
}

}  // namespace submitwatch
