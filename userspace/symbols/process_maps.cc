#include "symbols/process_maps.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace submitwatch {
namespace {

constexpr absl::string_view kDeletedSuffix = " (deleted)";

// The next space-separated field of `line`, consumed.
absl::string_view NextField(absl::string_view& line) {
  line = absl::StripLeadingAsciiWhitespace(line);
  const size_t space = line.find(' ');
  absl::string_view field = line.substr(0, space);
  line.remove_prefix(space == absl::string_view::npos ? line.size() : space);
  return field;
}

}  // namespace

std::vector<ProcessMapping> ParseProcessMaps(absl::string_view text) {
  std::vector<ProcessMapping> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    // "7f1c2a400000-7f1c2a426000 r-xp 00026000 fe:01 1837 /usr/lib/.../libc.so.6"
    const absl::string_view range = NextField(line);
    const absl::string_view perms = NextField(line);
    const absl::string_view offset = NextField(line);
    NextField(line);  // device
    NextField(line);  // inode
    // The path is the rest: it may contain spaces.
    const absl::string_view path = absl::StripAsciiWhitespace(line);
    if (perms.size() < 3 || perms[2] != 'x' || path.empty()) continue;
    std::pair<absl::string_view, absl::string_view> bounds = absl::StrSplit(range, '-');
    ProcessMapping m;
    if (!absl::SimpleHexAtoi(bounds.first, &m.start) ||
        !absl::SimpleHexAtoi(bounds.second, &m.end) ||
        !absl::SimpleHexAtoi(offset, &m.file_offset) || m.end <= m.start) {
      continue;
    }
    m.path = std::string(path);
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const ProcessMapping& a, const ProcessMapping& b) { return a.start < b.start; });
  return out;
}

const ProcessMapping* FindMapping(const std::vector<ProcessMapping>& mappings, uint64_t address) {
  auto it = std::upper_bound(
      mappings.begin(), mappings.end(), address,
      [](uint64_t a, const ProcessMapping& m) { return a < m.start; });
  if (it == mappings.begin()) return nullptr;
  --it;
  return address < it->end ? &*it : nullptr;
}

std::string ModuleName(absl::string_view path) {
  absl::ConsumeSuffix(&path, kDeletedSuffix);
  if (const size_t slash = path.rfind('/'); slash != absl::string_view::npos) {
    path.remove_prefix(slash + 1);
  }
  return std::string(path);
}

std::string ModuleOffsetFrame(const ProcessMapping& mapping, uint64_t address) {
  return absl::StrFormat("%s+0x%x", ModuleName(mapping.path),
                         address - mapping.start + mapping.file_offset);
}

std::string BareAddressFrame(uint64_t address) { return absl::StrFormat("0x%x", address); }

}  // namespace submitwatch
