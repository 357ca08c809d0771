// Matching user-typed names against names.h. Debian's Abseil is built with
// its own absl::string_view, so absl's string helpers do not take
// std::string_view; this small one does.
#ifndef SUBMITWATCH_MODEL_NAME_MATCH_H_
#define SUBMITWATCH_MODEL_NAME_MATCH_H_

#include <cstddef>
#include <string_view>

namespace submitwatch {

// ASCII case-insensitive equality: "unsafe" names the verdict "UNSAFE".
inline bool NameMatches(std::string_view typed, std::string_view name) {
  if (typed.size() != name.size()) return false;
  for (size_t i = 0; i < typed.size(); ++i) {
    char a = typed[i];
    char b = name[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

}  // namespace submitwatch

#endif  // SUBMITWATCH_MODEL_NAME_MATCH_H_
