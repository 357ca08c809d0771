#include "capture/json_writer.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace submitwatch {

size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t len;
  uint32_t min;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) { len = 2; min = 0x80; }
  else if ((lead & 0xF0) == 0xE0) { len = 3; min = 0x800; }
  else if ((lead & 0xF8) == 0xF0) { len = 4; min = 0x10000; }
  else return 0;
  if (i + len > text.size()) return 0;
  uint32_t cp = lead & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void AppendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  // Runs of bytes that need no escaping (nearly all of them: symbols, paths,
  // process names) are appended whole; this runs for every string of every
  // record written.
  size_t run = 0;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const size_t len = Utf8SequenceLength(text, i); len != 0) {
        i += len;
        continue;
      }
    }
    out.append(text.data() + run, i - run);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += "\xEF\xBF\xBD";  // U+FFFD for a byte that starts no UTF-8 sequence
        }
    }
    run = ++i;
  }
  out.append(text.data() + run, i - run);
  out.push_back('"');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ > 0 && depth_ <= 64) {
    const uint64_t bit = uint64_t{1} << (depth_ - 1);
    if (has_element_ & bit) out_->push_back(',');
    has_element_ |= bit;
  }
}

void JsonWriter::Open(char bracket) {
  BeforeValue();
  out_->push_back(bracket);
  if (depth_ < 64) has_element_ &= ~(uint64_t{1} << depth_);
  ++depth_;
}

void JsonWriter::Close(char bracket) {
  out_->push_back(bracket);
  if (depth_ > 0) --depth_;
}

void JsonWriter::BeginObject() { Open('{'); }
void JsonWriter::EndObject() { Close('}'); }
void JsonWriter::BeginArray() { Open('['); }
void JsonWriter::EndArray() { Close(']'); }

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(*out_, key);
  out_->push_back(':');
  after_key_ = true;
}

void JsonWriter::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(*out_, value);
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  absl::StrAppend(out_, value);
}

void JsonWriter::Uint(uint64_t value) {
  BeforeValue();
  absl::StrAppend(out_, value);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  // JSON has no NaN or infinity.
  if (!std::isfinite(value)) {
    *out_ += "null";
    return;
  }
  absl::StrAppendFormat(out_, "%.6g", value);
}

void JsonWriter::Decimal(uint64_t units, int scale) {
  BeforeValue();
  uint64_t divisor = 1;
  for (int i = 0; i < scale; ++i) divisor *= 10;
  absl::StrAppend(out_, units / divisor);
  uint64_t fraction = units % divisor;
  if (fraction == 0) return;
  int digits = scale;
  while (fraction % 10 == 0) {
    fraction /= 10;
    --digits;
  }
  absl::StrAppendFormat(out_, ".%0*d", digits, fraction);
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  *out_ += value ? "true" : "false";
}

void JsonWriter::Null() {
  BeforeValue();
  *out_ += "null";
}

void JsonWriter::UintArray(std::string_view key, const std::vector<uint64_t>& values) {
  Key(key);
  BeginArray();
  for (uint64_t v : values) Uint(v);
  EndArray();
}

void JsonWriter::CountsObject(std::string_view key,
                              const std::map<std::string, uint64_t>& counts) {
  Key(key);
  BeginObject();
  for (const auto& [name, n] : counts) Field(name, n);
  EndObject();
}

void JsonWriter::StringArray(std::string_view key, const std::vector<std::string>& values) {
  Key(key);
  BeginArray();
  for (const auto& v : values) String(v);
  EndArray();
}

std::string JsonWriter::Take() {
  has_element_ = 0;
  depth_ = 0;
  after_key_ = false;
  return std::exchange(own_, std::string());
}

}  // namespace submitwatch
