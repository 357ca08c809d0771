#include "sinks/tui/layout.h"

#include <algorithm>


namespace submitwatch::tui {

std::vector<int> FitColumns(const std::vector<ColumnSpec>& columns,
                            const std::vector<int>& natural, int width) {
  const size_t n = columns.size();
  std::vector<int> want(n);
  std::vector<int> need(n);
  std::vector<bool> shown(n, true);
  for (size_t i = 0; i < n; ++i) {
    want[i] = i < natural.size() ? natural[i] : 0;
    want[i] = std::max<int>(want[i], static_cast<int>(columns[i].header.size()));
    if (columns[i].max_width > 0) want[i] = std::min(want[i], columns[i].max_width);
    need[i] = columns[i].min_width > 0 ? std::min(want[i], columns[i].min_width) : want[i];
  }
  const auto total = [&](const std::vector<int>& widths) {
    int sum = 0, count = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!shown[i]) continue;
      sum += widths[i];
      ++count;
    }
    return sum + std::max(0, count - 1) * kColumnGap;
  };
  // Hides the shown column with the highest drop order of at least
  // `min_order` (among equals the rightmost); false when there is none.
  const auto drop = [&](int min_order) {
    int victim = -1;
    for (size_t i = 0; i < n; ++i) {
      if (shown[i] && columns[i].drop_order >= min_order &&
          (victim < 0 || columns[i].drop_order >= columns[victim].drop_order)) {
        victim = static_cast<int>(i);
      }
    }
    if (victim < 0) return false;
    shown[victim] = false;
    return true;
  };
  // First the columns that are worth less than whole cells elsewhere, then,
  // with every cut column at its minimum, the rest in order.
  while (total(want) > width && drop(kDropBeforeCutting)) {
  }
  while (total(need) > width && drop(1)) {
  }
  // What still does not fit is cut at the screen's edge.
  std::vector<int> widths(n, 0);
  for (size_t i = 0; i < n; ++i) widths[i] = shown[i] ? need[i] : 0;
  // Spare room goes to shrunk columns, one character each in turn, so that
  // no single column takes it all.
  int spare = width - total(need);
  bool grew = true;
  while (spare > 0 && grew) {
    grew = false;
    for (size_t i = 0; i < n && spare > 0; ++i) {
      if (shown[i] && widths[i] < want[i]) {
        ++widths[i];
        --spare;
        grew = true;
      }
    }
  }
  return widths;
}

std::string Truncate(std::string_view text, int width) {
  if (width <= 0) return "";
  if (static_cast<int>(text.size()) <= width) return std::string(text);
  std::string out(text.substr(0, width - 1));
  out.push_back(kCutMark);
  return out;
}

std::string FitCell(std::string_view text, int width, Align align, Keep keep) {
  if (width <= 0) return "";
  const int size = static_cast<int>(text.size());
  if (size > width) {
    if (keep == Keep::kTail) {
      return std::string(1, kCutMark) + std::string(text.substr(size - (width - 1)));
    }
    return Truncate(text, width);
  }
  const std::string pad(width - size, ' ');
  return align == Align::kRight ? pad + std::string(text) : std::string(text) + pad;
}

std::string Printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '?';
  }
  return out;
}

std::vector<std::string> Wrap(std::string_view text, int width, int indent) {
  if (width <= 0) return {""};
  const size_t w = static_cast<size_t>(width);
  if (text.size() <= w) return {std::string(text)};
  // Continuation lines line up under the first line's text, plus `indent`.
  const size_t lead = std::min(text.find_first_not_of(' '), text.size());
  const size_t pad = lead + static_cast<size_t>(std::max(indent, 0));
  if (pad + 8 > w) return {Truncate(text, width)};
  std::vector<std::string> lines;
  std::string_view rest = text;
  std::string prefix;
  while (true) {
    const size_t room = w - prefix.size();
    if (rest.size() <= room) {
      lines.push_back(prefix + std::string(rest));
      break;
    }
    // Break at the last blank that fits (not the leading indentation), or
    // mid-word when there is none.
    size_t cut = rest.rfind(' ', room);
    if (cut == std::string_view::npos || cut <= (lines.empty() ? lead : 0)) cut = room;
    std::string_view piece = rest.substr(0, cut);
    while (!piece.empty() && piece.back() == ' ') piece.remove_suffix(1);
    lines.push_back(prefix + std::string(piece));
    rest.remove_prefix(cut);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty()) break;
    prefix.assign(pad, ' ');
  }
  return lines;
}

}  // namespace submitwatch::tui
