#include "capture/json_value.h"

#include <limits>

namespace submitwatch {

JsonValue::JsonValue(int64_t value) {
  if (value >= 0) {
    value_ = static_cast<uint64_t>(value);
  } else {
    value_ = value;
  }
}

std::optional<bool> JsonValue::AsBool() const {
  if (const bool* b = std::get_if<bool>(&value_)) return *b;
  return std::nullopt;
}

std::optional<int64_t> JsonValue::AsInt64() const {
  if (const int64_t* i = std::get_if<int64_t>(&value_)) return *i;
  if (const uint64_t* u = std::get_if<uint64_t>(&value_)) {
    if (*u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(*u);
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> JsonValue::AsUint64() const {
  if (const uint64_t* u = std::get_if<uint64_t>(&value_)) return *u;
  return std::nullopt;
}

std::optional<double> JsonValue::AsDouble() const {
  if (const double* d = std::get_if<double>(&value_)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(&value_)) return static_cast<double>(*i);
  if (const uint64_t* u = std::get_if<uint64_t>(&value_)) return static_cast<double>(*u);
  return std::nullopt;
}

const std::string* JsonValue::AsString() const { return std::get_if<std::string>(&value_); }
const JsonValue::Array* JsonValue::AsArray() const { return std::get_if<Array>(&value_); }
const JsonValue::Object* JsonValue::AsObject() const { return std::get_if<Object>(&value_); }
std::string* JsonValue::AsString() { return std::get_if<std::string>(&value_); }
JsonValue::Array* JsonValue::AsArray() { return std::get_if<Array>(&value_); }
JsonValue::Object* JsonValue::AsObject() { return std::get_if<Object>(&value_); }

const JsonValue* JsonValue::Find(std::string_view key) const {
  const Object* object = AsObject();
  if (object == nullptr) return nullptr;
  for (const auto& [name, value] : *object) {
    if (name == key) return &value;
  }
  return nullptr;
}

std::string_view JsonValue::KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "boolean";
    case Kind::kInt:
    case Kind::kUint: return "integer";
    case Kind::kDouble: return "number";
    case Kind::kString: return "string";
    case Kind::kArray: return "array";
    case Kind::kObject: return "object";
  }
  return "unknown";
}

}  // namespace submitwatch
