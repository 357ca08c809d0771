#include "sinks/export/folded_export.h"

#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "model/names.h"
#include "model/verdict.h"

namespace submitwatch {

std::optional<FoldedWeight> ParseFoldedWeight(std::string_view name) {
  if (name == names::kWeightCount) return FoldedWeight::kCount;
  if (name == names::kWeightBytes) return FoldedWeight::kBytes;
  return std::nullopt;
}

std::string FoldedFrame(std::string_view frame) {
  // Symbolized frames are "func+0xoff"; other tools write "func+0xoff/0xsize"
  // or add " [module]", which stays. Bare addresses have no '+' and stay.
  std::string out;
  if (size_t plus = frame.find("+0x"); plus != std::string_view::npos && plus != 0) {
    size_t end = plus + 3;
    const auto skip_hex = [&] {
      while (end < frame.size() && absl::ascii_isxdigit(static_cast<unsigned char>(frame[end]))) {
        ++end;
      }
    };
    skip_hex();
    if (frame.substr(end, 3) == "/0x") {
      end += 3;
      skip_hex();
    }
    out = std::string(frame.substr(0, plus));
    out.append(frame.substr(end));
  } else {
    out = std::string(frame);
  }
  for (char& c : out) {
    if (c == ';') c = ':';
  }
  return out;
}

void FoldedStacks::Add(const Record& record) {
  if (const auto* alloc = std::get_if<AllocRecord>(&record)) Add(*alloc);
}

void FoldedStacks::Add(const AllocRecord& alloc) {
  const Verdict verdict = ClassifyAlloc(alloc);
  if (verdict == Verdict::kOutside) return;
  std::string key(VerdictName(verdict));
  // The program's part first, outermost (main) first, down into the kernel.
  for (auto frame = alloc.user_stack.rbegin(); frame != alloc.user_stack.rend(); ++frame) {
    absl::StrAppend(&key, ";", FoldedFrame(*frame));
  }
  if (alloc.stack.empty()) {
    absl::StrAppend(&key, ";", FoldedFrame(alloc.site.empty() ? alloc.site_offset : alloc.site));
  } else {
    for (auto frame = alloc.stack.rbegin(); frame != alloc.stack.rend(); ++frame) {
      absl::StrAppend(&key, ";", FoldedFrame(*frame));
    }
  }
  Weight& w = stacks_[key];
  ++w.count;
  w.bytes += alloc.bytes;
}

std::string FoldedStacks::Render(FoldedWeight weight) const {
  std::string out;
  for (const auto& [stack, w] : stacks_) {
    const uint64_t value = weight == FoldedWeight::kCount ? w.count : w.bytes;
    if (value == 0) continue;
    absl::StrAppend(&out, stack, " ", value, "\n");
  }
  return out;
}

}  // namespace submitwatch
