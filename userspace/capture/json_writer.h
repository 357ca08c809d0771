// A streaming JSON writer for one-line records: the capture file (JSON Lines)
// and `report --format json` both build their output with it, so escaping and
// number formatting have one definition.
#ifndef SUBMITWATCH_CAPTURE_JSON_WRITER_H_
#define SUBMITWATCH_CAPTURE_JSON_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace submitwatch {

// Appends `text` to `out` as a JSON string literal. Bytes that are not valid
// UTF-8 (kernel comm and cgroup names are arbitrary bytes) become U+FFFD so
// the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view text);

// Length of the valid UTF-8 sequence starting at text[i] (1 to 4), or 0 if
// the bytes there are not UTF-8 (overlong forms and surrogates included).
// The parser uses it too, so both sides agree on what valid means.
size_t Utf8SequenceLength(std::string_view text, size_t i);

// Usage: JsonWriter w; w.BeginObject(); w.Key("a"); w.Int(1); w.EndObject();
// The writer inserts commas; it does not validate nesting beyond that, and
// nests at most 64 containers deep (ours nest a few).
class JsonWriter {
 public:
  JsonWriter() : out_(&own_) {}
  // Appends to `*out` instead of a string of its own (str() and Take() then
  // have nothing): a capture line goes straight into the writer's buffer,
  // with no allocation once the buffer is large enough.
  explicit JsonWriter(std::string* out) : out_(out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(std::string_view key);
  void String(std::string_view value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  void Double(double value);
  // units / 10^scale written exactly, without the rounding of Double():
  // Decimal(1234567891, 3) writes 1234567.891 (trailing zeros dropped).
  // For timestamps, which need more digits than a double prints here.
  void Decimal(uint64_t units, int scale);
  void Bool(bool value);
  void Null();

  // Shorthands for "key": value.
  void Field(std::string_view key, std::string_view value) { Key(key); String(value); }
  void Field(std::string_view key, const char* value) { Key(key); String(value); }
  void Field(std::string_view key, const std::string& value) { Key(key); String(value); }
  void Field(std::string_view key, uint64_t value) { Key(key); Uint(value); }
  void Field(std::string_view key, uint32_t value) { Key(key); Uint(value); }
  void Field(std::string_view key, int64_t value) { Key(key); Int(value); }
  void Field(std::string_view key, int value) { Key(key); Int(value); }
  void Field(std::string_view key, bool value) { Key(key); Bool(value); }
  void Field(std::string_view key, double value) { Key(key); Double(value); }
  void UintArray(std::string_view key, const std::vector<uint64_t>& values);
  void StringArray(std::string_view key, const std::vector<std::string>& values);
  // {"name": count, ...}: lost events by reason, evictions, program runs.
  void CountsObject(std::string_view key, const std::map<std::string, uint64_t>& counts);

  const std::string& str() const { return own_; }
  std::string Take();

 private:
  void BeforeValue();
  void Open(char bracket);
  void Close(char bracket);

  std::string own_;
  std::string* out_;
  // Bit i set: the container open at depth i (0 outermost) holds an element.
  uint64_t has_element_ = 0;
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_JSON_WRITER_H_
