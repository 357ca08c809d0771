#include "capture/json_parser.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "capture/json_writer.h"

namespace submitwatch {
namespace {

// Untrusted text goes into error messages: keep it short and printable.
std::string Quote(std::string_view text) {
  constexpr size_t kMaxQuoted = 40;
  std::string out;
  if (text.size() <= kMaxQuoted) {
    AppendJsonString(out, text);
  } else {
    AppendJsonString(out, text.substr(0, kMaxQuoted));
    out.insert(out.size() - 1, "...");
  }
  return out;
}

std::string DescribeByte(unsigned char c) {
  if (c == 0) return "NUL byte";
  if (c > 0x20 && c < 0x7F) return absl::StrFormat("'%c'", c);
  return absl::StrFormat("byte 0x%02x", c);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

constexpr size_t kObjectMembersHint = 24;
constexpr size_t kArrayItemsHint = 32;
constexpr size_t kReserveBytesPerInputByte = 8;

// The length of the run of bytes at the start of `text` that a JSON string
// holds as they are: printable ASCII other than '"' and '\\'. Eight bytes a
// step: capture strings (stack frames, cgroup paths) are long and plain.
size_t PlainRun(std::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  size_t i = 0;
  // Lane order is byte order only on little-endian machines.
  for (; __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && i + 8 <= text.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    // A byte's high bit is set where it is < 0x20, '"', '\\' or >= 0x80.
    const uint64_t quote = w ^ (kOnes * '"');
    const uint64_t backslash = w ^ (kOnes * '\\');
    const uint64_t stop = ((w - kOnes * 0x20) | (quote - kOnes) | (backslash - kOnes) | w) & kHighs;
    // (x - 1) sets a high bit for a zero byte x, and may for a byte after
    // one that borrowed: only bytes past the first stop, which are not used.
    if (stop != 0) return i + static_cast<size_t>(__builtin_ctzll(stop) / 8);
  }
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
  }
  return i;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<JsonValue> ParseDocument() {
    absl::StatusOr<JsonValue> value = ParseValue(0);
    if (!value.ok()) return value;
    SkipWhitespace();
    if (pos_ < text_.size()) {
      return ErrorAt(pos_, absl::StrFormat("unexpected %s after the JSON value",
                                           DescribeByte(Peek())));
    }
    return value;
  }

 private:
  absl::Status ErrorAt(size_t pos, std::string_view message) const {
    return absl::InvalidArgumentError(absl::StrFormat("column %d: %s", pos + 1, message));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  unsigned char Peek() const { return static_cast<unsigned char>(text_[pos_]); }

  void SkipWhitespace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  absl::Status Unexpected(std::string_view expected) const {
    if (AtEnd()) {
      return ErrorAt(pos_, absl::StrFormat("unexpected end of input, expected %s", expected));
    }
    return ErrorAt(pos_, absl::StrFormat("unexpected %s, expected %s",
                                         DescribeByte(Peek()), expected));
  }

  // `depth` counts the containers around this value; recursion happens only
  // through containers, so checking it there bounds the stack.
  absl::StatusOr<JsonValue> ParseValue(int depth) {
    SkipWhitespace();
    if (AtEnd()) return Unexpected("a JSON value");
    switch (Peek()) {
      case '{': return ParseObject(depth + 1);
      case '[': return ParseArray(depth + 1);
      case '"': {
        absl::StatusOr<std::string> s = ParseString();
        if (!s.ok()) return s.status();
        return JsonValue(*std::move(s));
      }
      case 't': return ParseLiteral("true", JsonValue(true));
      case 'f': return ParseLiteral("false", JsonValue(false));
      case 'n': return ParseLiteral("null", JsonValue());
      default:
        if (Peek() == '-' || IsDigit(static_cast<char>(Peek()))) return ParseNumber();
        return Unexpected("a JSON value");
    }
  }

  absl::StatusOr<JsonValue> ParseLiteral(std::string_view word, JsonValue value) {
    if (text_.substr(pos_, word.size()) != word) {
      return ErrorAt(pos_, absl::StrFormat("invalid literal, expected %s", word));
    }
    pos_ += word.size();
    return value;
  }

  absl::Status CheckDepth(int depth) const {
    if (depth > kMaxJsonDepth) {
      return ErrorAt(pos_, absl::StrFormat("nesting deeper than %d levels", kMaxJsonDepth));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<JsonValue> ParseArray(int depth) {
    if (absl::Status s = CheckDepth(depth); !s.ok()) return s;
    ++pos_;  // '['
    JsonValue::Array items;
    SkipWhitespace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return JsonValue(std::move(items));
    }
    // A stack's frames, mostly: growing one by one moved them five times.
    Reserve(items, kArrayItemsHint);
    while (true) {
      absl::StatusOr<JsonValue> item = ParseValue(depth);
      if (!item.ok()) return item.status();
      items.push_back(*std::move(item));
      SkipWhitespace();
      if (AtEnd()) return Unexpected("',' or ']'");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return JsonValue(std::move(items));
      }
      return Unexpected("',' or ']'");
    }
  }

  absl::StatusOr<JsonValue> ParseObject(int depth) {
    if (absl::Status s = CheckDepth(depth); !s.ok()) return s;
    ++pos_;  // '{'
    JsonValue::Object members;
    std::vector<size_t> key_positions;
    SkipWhitespace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return JsonValue(std::move(members));
    }
    // A capture record's keys, mostly: growing one by one moved them five times.
    Reserve(members, kObjectMembersHint);
    Reserve(key_positions, kObjectMembersHint);
    while (true) {
      SkipWhitespace();
      if (AtEnd() || Peek() != '"') return Unexpected("a string key");
      key_positions.push_back(pos_);
      absl::StatusOr<std::string> key = ParseString();
      if (!key.ok()) return key.status();
      SkipWhitespace();
      if (AtEnd() || Peek() != ':') return Unexpected("':' after an object key");
      ++pos_;
      absl::StatusOr<JsonValue> value = ParseValue(depth);
      if (!value.ok()) return value.status();
      members.emplace_back(*std::move(key), *std::move(value));
      SkipWhitespace();
      if (AtEnd()) return Unexpected("',' or '}'");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        break;
      }
      return Unexpected("',' or '}'");
    }
    if (absl::Status s = CheckDuplicateKeys(members, key_positions); !s.ok()) return s;
    return JsonValue(std::move(members));
  }

  // Sorting hashes keeps this O(n log n) for hostile objects with many keys,
  // and compares texts only among keys whose hashes meet: a capture line has
  // a dozen keys or two, and sorting them all by text was a twentieth of a
  // report. Names the repeat that comes first in the input.
  absl::Status CheckDuplicateKeys(const JsonValue::Object& members,
                                  const std::vector<size_t>& key_positions) const {
    if (members.size() < 2) return absl::OkStatus();
    std::vector<std::pair<size_t, size_t>> hashed(members.size());  // hash, index
    const absl::Hash<std::string_view> hash;
    for (size_t i = 0; i < members.size(); ++i) hashed[i] = {hash(members[i].first), i};
    std::sort(hashed.begin(), hashed.end());
    const auto by_text = [&](const std::pair<size_t, size_t>& a,
                             const std::pair<size_t, size_t>& b) {
      return members[a.second].first < members[b.second].first;
    };
    size_t repeat = members.size();
    for (size_t run = 0; run < hashed.size();) {
      size_t end = run + 1;
      while (end < hashed.size() && hashed[end].first == hashed[run].first) ++end;
      if (end - run > 1) {
        // Still in input order within the run, so a stable sort by text
        // puts each key's first use ahead of its repeats.
        std::stable_sort(hashed.begin() + run, hashed.begin() + end, by_text);
        for (size_t k = run + 1; k < end; ++k) {
          if (members[hashed[k].second].first == members[hashed[k - 1].second].first) {
            repeat = std::min(repeat, hashed[k].second);
          }
        }
      }
      run = end;
    }
    if (repeat == members.size()) return absl::OkStatus();
    return ErrorAt(key_positions[repeat],
                   absl::StrFormat("duplicate object key %s", Quote(members[repeat].first)));
  }

  absl::StatusOr<uint32_t> ParseHex4() {
    if (text_.size() - pos_ < 4) {
      return ErrorAt(pos_, "incomplete \\u escape, expected 4 hex digits");
    }
    uint32_t value = 0;
    for (size_t k = 0; k < 4; ++k) {
      const int digit = HexDigit(text_[pos_ + k]);
      if (digit < 0) return ErrorAt(pos_ + k, "invalid \\u escape, expected 4 hex digits");
      value = (value << 4) | static_cast<uint32_t>(digit);
    }
    pos_ += 4;
    return value;
  }

  // At a backslash: decodes one escape (a surrogate pair counts as one).
  absl::Status ParseEscape(std::string& out) {
    const size_t start = pos_;
    ++pos_;  // '\\'
    if (AtEnd()) return ErrorAt(start, "unterminated escape at end of input");
    const char c = text_[pos_++];
    switch (c) {
      case '"': out.push_back('"'); return absl::OkStatus();
      case '\\': out.push_back('\\'); return absl::OkStatus();
      case '/': out.push_back('/'); return absl::OkStatus();
      case 'b': out.push_back('\b'); return absl::OkStatus();
      case 'f': out.push_back('\f'); return absl::OkStatus();
      case 'n': out.push_back('\n'); return absl::OkStatus();
      case 'r': out.push_back('\r'); return absl::OkStatus();
      case 't': out.push_back('\t'); return absl::OkStatus();
      case 'u': break;
      default:
        return ErrorAt(start, absl::StrFormat("invalid escape: backslash followed by %s",
                                              DescribeByte(static_cast<unsigned char>(c))));
    }
    absl::StatusOr<uint32_t> unit = ParseHex4();
    if (!unit.ok()) return unit.status();
    uint32_t cp = *unit;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return ErrorAt(start, "unpaired low surrogate in \\u escape");
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") {
        return ErrorAt(start, "high surrogate in \\u escape not followed by a low surrogate");
      }
      pos_ += 2;
      absl::StatusOr<uint32_t> low = ParseHex4();
      if (!low.ok()) return low.status();
      if (*low < 0xDC00 || *low > 0xDFFF) {
        return ErrorAt(start, "high surrogate in \\u escape not followed by a low surrogate");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
    }
    AppendUtf8(out, cp);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ParseString() {
    const size_t start = pos_;
    ++pos_;  // '"'
    std::string out;
    while (true) {
      // Copy runs of plain ASCII at once; most capture strings are nothing else.
      const size_t run_start = pos_;
      pos_ += PlainRun(text_.substr(pos_));
      out.append(text_.substr(run_start, pos_ - run_start));
      if (AtEnd()) return ErrorAt(start, "unterminated string");
      const unsigned char c = Peek();
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        if (absl::Status s = ParseEscape(out); !s.ok()) return s;
        continue;
      }
      if (c < 0x20) {
        return ErrorAt(pos_, absl::StrFormat("%s inside a string (control characters "
                                             "must be escaped)", DescribeByte(c)));
      }
      const size_t len = Utf8SequenceLength(text_, pos_);
      if (len == 0) return ErrorAt(pos_, "invalid UTF-8 in string");
      out.append(text_.substr(pos_, len));
      pos_ += len;
    }
  }

  absl::StatusOr<JsonValue> ParseNumber() {
    const size_t start = pos_;
    const bool negative = Peek() == '-';
    if (negative) ++pos_;
    const size_t digits_start = pos_;
    if (AtEnd() || !IsDigit(text_[pos_])) return Unexpected("a digit");
    if (text_[pos_] == '0') {
      ++pos_;
      if (!AtEnd() && IsDigit(text_[pos_])) {
        return ErrorAt(start, "invalid number: leading zeros are not allowed");
      }
    } else {
      while (!AtEnd() && IsDigit(text_[pos_])) ++pos_;
    }
    const size_t digits_end = pos_;
    bool integral = true;
    if (!AtEnd() && text_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (AtEnd() || !IsDigit(text_[pos_])) return Unexpected("a digit after '.'");
      while (!AtEnd() && IsDigit(text_[pos_])) ++pos_;
    }
    if (!AtEnd() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (!AtEnd() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (AtEnd() || !IsDigit(text_[pos_])) return Unexpected("a digit in the exponent");
      while (!AtEnd() && IsDigit(text_[pos_])) ++pos_;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      uint64_t magnitude = 0;
      const auto [end, ec] = std::from_chars(text_.data() + digits_start,
                                             text_.data() + digits_end, magnitude);
      constexpr uint64_t kMinMagnitude =
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1;
      if (ec != std::errc() || end != text_.data() + digits_end ||
          (negative && magnitude > kMinMagnitude)) {
        return ErrorAt(start, absl::StrFormat("integer %s out of range (64 bits)",
                                              Quote(std::string_view(first, last - first))));
      }
      if (!negative) return JsonValue(magnitude);
      // Two's complement negation; correct for INT64_MIN too.
      return JsonValue(static_cast<int64_t>(~magnitude + 1));
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || end != last) {
      return ErrorAt(start, absl::StrFormat("number %s out of range",
                                            Quote(std::string_view(first, last - first))));
    }
    return JsonValue(value);
  }

  // Room ahead for `n` items, while the room reserved so far is within a
  // few times the input's size: a hostile line of many tiny containers
  // must not make each one's room an allocation out of proportion to it.
  template <typename Vector>
  void Reserve(Vector& items, size_t n) {
    const size_t bytes = n * sizeof(typename Vector::value_type);
    if (bytes > reserve_budget_) return;
    reserve_budget_ -= bytes;
    items.reserve(n);
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t reserve_budget_ = text_.size() * kReserveBytesPerInputByte;
};

}  // namespace

absl::StatusOr<JsonValue> ParseJson(std::string_view text) {
  return Parser(text).ParseDocument();
}

}  // namespace submitwatch
