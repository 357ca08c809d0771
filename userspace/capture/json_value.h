// A small JSON document tree for reading captures back. Integers keep their
// exact 64-bit value (timestamps and cgroup ids do not survive a trip through
// double), so integers and doubles are separate kinds.
#ifndef SUBMITWATCH_CAPTURE_JSON_VALUE_H_
#define SUBMITWATCH_CAPTURE_JSON_VALUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace submitwatch {

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kInt, kUint, kDouble, kString, kArray, kObject };
  using Array = std::vector<JsonValue>;
  // Members in input order; the parser rejects duplicate keys.
  using Object = std::vector<std::pair<std::string, JsonValue>>;

  JsonValue() = default;  // null
  explicit JsonValue(bool value) : value_(value) {}
  // Negative integers are kInt, non-negative ones kUint, so that every value
  // in [INT64_MIN, UINT64_MAX] has exactly one representation.
  explicit JsonValue(int64_t value);
  explicit JsonValue(uint64_t value) : value_(value) {}
  explicit JsonValue(double value) : value_(value) {}
  explicit JsonValue(std::string value) : value_(std::move(value)) {}
  // Without this, a string literal would pick the bool constructor.
  explicit JsonValue(const char* value) : value_(std::string(value)) {}
  explicit JsonValue(Array value) : value_(std::move(value)) {}
  explicit JsonValue(Object value) : value_(std::move(value)) {}

  Kind kind() const { return static_cast<Kind>(value_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_integer() const { return kind() == Kind::kInt || kind() == Kind::kUint; }
  bool is_number() const { return is_integer() || kind() == Kind::kDouble; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_array() const { return kind() == Kind::kArray; }
  bool is_object() const { return kind() == Kind::kObject; }

  // Exact conversions: nullopt when the value is of another kind or does not
  // fit, never a rounded or wrapped value.
  std::optional<bool> AsBool() const;
  std::optional<int64_t> AsInt64() const;
  std::optional<uint64_t> AsUint64() const;
  std::optional<double> AsDouble() const;  // any number
  const std::string* AsString() const;
  const Array* AsArray() const;
  const Object* AsObject() const;
  // The same, for a reader that takes the contents (moves strings out).
  std::string* AsString();
  Array* AsArray();
  Object* AsObject();

  // The member named `key`, or nullptr if absent or this is not an object.
  const JsonValue* Find(std::string_view key) const;

  // Short names for messages: "null", "bool", "integer", "number", ...
  static std::string_view KindName(Kind kind);

  friend bool operator==(const JsonValue& a, const JsonValue& b) {
    return a.value_ == b.value_;
  }

 private:
  // Alternative order matches Kind.
  std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string,
               Array, Object>
      value_;
};

}  // namespace submitwatch

#endif  // SUBMITWATCH_CAPTURE_JSON_VALUE_H_
