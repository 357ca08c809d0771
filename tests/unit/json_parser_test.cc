#include "capture/json_parser.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "capture/json_value.h"
#include "gtest/gtest.h"

namespace submitwatch {
namespace {

JsonValue ParseOk(std::string_view text) {
  absl::StatusOr<JsonValue> value = ParseJson(text);
  EXPECT_TRUE(value.ok()) << value.status();
  return value.ok() ? *std::move(value) : JsonValue();
}

std::string ParseError(std::string_view text) {
  absl::StatusOr<JsonValue> value = ParseJson(text);
  EXPECT_FALSE(value.ok()) << "parsed: " << text;
  if (value.ok()) return "";
  EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(value.status().message());
}

TEST(JsonParserTest, Scalars) {
  EXPECT_TRUE(ParseOk("null").is_null());
  EXPECT_EQ(ParseOk("true").AsBool(), true);
  EXPECT_EQ(ParseOk("false").AsBool(), false);
  EXPECT_EQ(*ParseOk("\"abc\"").AsString(), "abc");
  EXPECT_EQ(*ParseOk("\"\"").AsString(), "");
  EXPECT_EQ(ParseOk("0").AsUint64(), 0u);
  EXPECT_EQ(ParseOk("-0").AsInt64(), 0);
  EXPECT_EQ(ParseOk("42").AsUint64(), 42u);
  EXPECT_EQ(ParseOk("-42").AsInt64(), -42);
  EXPECT_EQ(ParseOk("-42").AsUint64(), std::nullopt);
  EXPECT_EQ(ParseOk("1.5").AsDouble(), 1.5);
  EXPECT_EQ(ParseOk("-2.5e-3").AsDouble(), -0.0025);
  EXPECT_EQ(ParseOk("1E3").AsDouble(), 1000.0);
  EXPECT_EQ(ParseOk("1e+3").kind(), JsonValue::Kind::kDouble);
  // A double is never silently an integer.
  EXPECT_EQ(ParseOk("1e3").AsUint64(), std::nullopt);
  EXPECT_EQ(ParseOk("1.0").AsInt64(), std::nullopt);
}

TEST(JsonParserTest, SurroundingWhitespace) {
  EXPECT_EQ(ParseOk(" \t\r\n 7 \r\n\t ").AsUint64(), 7u);
}

TEST(JsonParserTest, IntegersKeepAll64Bits) {
  EXPECT_EQ(ParseOk("18446744073709551615").AsUint64(),
            std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(ParseOk("-9223372036854775808").AsInt64(),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(ParseOk("9223372036854775807").AsInt64(),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseOk("9223372036854775808").AsInt64(), std::nullopt);
  // 2^53 + 1 is not representable as a double.
  EXPECT_EQ(ParseOk("9007199254740993").AsUint64(), 9007199254740993ull);
}

TEST(JsonParserTest, NumbersOutOfRangeAreErrors) {
  EXPECT_EQ(ParseError("18446744073709551616"),
            "column 1: integer \"18446744073709551616\" out of range (64 bits)");
  EXPECT_EQ(ParseError("-9223372036854775809"),
            "column 1: integer \"-9223372036854775809\" out of range (64 bits)");
  EXPECT_EQ(ParseError("[1, 1e400]"), "column 5: number \"1e400\" out of range");
  EXPECT_EQ(ParseError("99999999999999999999999999999999999999999999999999"),
            "column 1: integer \"9999999999999999999999999999999999999999...\" "
            "out of range (64 bits)");
}

TEST(JsonParserTest, MalformedNumbers) {
  EXPECT_EQ(ParseError("01"), "column 1: invalid number: leading zeros are not allowed");
  EXPECT_EQ(ParseError("1."), "column 3: unexpected end of input, expected a digit after '.'");
  EXPECT_EQ(ParseError("1e"),
            "column 3: unexpected end of input, expected a digit in the exponent");
  EXPECT_EQ(ParseError("-"), "column 2: unexpected end of input, expected a digit");
  EXPECT_EQ(ParseError("-x"), "column 2: unexpected 'x', expected a digit");
  EXPECT_EQ(ParseError(".5"), "column 1: unexpected '.', expected a JSON value");
  EXPECT_EQ(ParseError("+1"), "column 1: unexpected '+', expected a JSON value");
  EXPECT_EQ(ParseError("0x10"), "column 2: unexpected 'x' after the JSON value");
}

TEST(JsonParserTest, ArraysAndObjects) {
  const JsonValue value =
      ParseOk(R"({"b": [1, "two", null, {"c": true}], "a": {}, "e": []})");
  ASSERT_TRUE(value.is_object());
  const JsonValue::Object& object = *value.AsObject();
  ASSERT_EQ(object.size(), 3u);
  // Input order is kept.
  EXPECT_EQ(object[0].first, "b");
  EXPECT_EQ(object[1].first, "a");
  EXPECT_EQ(object[2].first, "e");
  const JsonValue::Array& b = *value.Find("b")->AsArray();
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[0].AsUint64(), 1u);
  EXPECT_EQ(*b[1].AsString(), "two");
  EXPECT_TRUE(b[2].is_null());
  EXPECT_EQ(b[3].Find("c")->AsBool(), true);
  EXPECT_TRUE(value.Find("a")->AsObject()->empty());
  EXPECT_TRUE(value.Find("e")->AsArray()->empty());
  EXPECT_EQ(value.Find("missing"), nullptr);
  EXPECT_EQ(b[0].Find("b"), nullptr);  // not an object
}

TEST(JsonParserTest, StructuralErrors) {
  EXPECT_EQ(ParseError(""), "column 1: unexpected end of input, expected a JSON value");
  EXPECT_EQ(ParseError("   "), "column 4: unexpected end of input, expected a JSON value");
  EXPECT_EQ(ParseError("[1,]"), "column 4: unexpected ']', expected a JSON value");
  EXPECT_EQ(ParseError(R"({"a":1,})"), "column 8: unexpected '}', expected a string key");
  EXPECT_EQ(ParseError(R"({"a" 1})"),
            "column 6: unexpected '1', expected ':' after an object key");
  EXPECT_EQ(ParseError(R"({a:1})"), "column 2: unexpected 'a', expected a string key");
  EXPECT_EQ(ParseError("[1 2]"), "column 4: unexpected '2', expected ',' or ']'");
  EXPECT_EQ(ParseError(R"({"a":1)"), "column 7: unexpected end of input, expected ',' or '}'");
  EXPECT_EQ(ParseError("[1"), "column 3: unexpected end of input, expected ',' or ']'");
  EXPECT_EQ(ParseError("tru"), "column 1: invalid literal, expected true");
  EXPECT_EQ(ParseError("nul"), "column 1: invalid literal, expected null");
  EXPECT_EQ(ParseError("True"), "column 1: unexpected 'T', expected a JSON value");
  EXPECT_EQ(ParseError("\"abc"), "column 1: unterminated string");
}

TEST(JsonParserTest, DuplicateKeysAreErrors) {
  EXPECT_EQ(ParseError(R"({"a":1,"b":2,"a":3})"), "column 14: duplicate object key \"a\"");
}

TEST(JsonParserTest, TheRepeatNamedIsTheFirstInTheInput) {
  // "z" repeats before "a" does; sorted by text, "a" would come first.
  EXPECT_EQ(ParseError(R"({"z":1,"a":2,"z":3,"a":4})"), "column 14: duplicate object key \"z\"");
  // Many distinct keys and one repeat at the end.
  std::string many = "{";
  for (int i = 0; i < 200; ++i) many += "\"k" + std::to_string(i) + "\":0,";
  const size_t column = many.size() + 1;
  many += "\"k117\":1}";
  EXPECT_EQ(ParseError(many),
            "column " + std::to_string(column) + ": duplicate object key \"k117\"");
}

TEST(JsonParserTest, OneKeyRepeatedManyTimesNamesItsSecondUse) {
  // All one hash: the keys that share one are sorted, not compared in pairs.
  std::string same = "{\"b\":0";
  const size_t column = same.size() + 2;
  for (int i = 0; i < 50000; ++i) same += ",\"b\":0";
  same += "}";
  EXPECT_EQ(ParseError(same),
            "column " + std::to_string(column) + ": duplicate object key \"b\"");
}

// Plain runs are scanned eight bytes at a time: every stop byte, at every
// offset from the word's start, must end the run exactly there.
TEST(JsonParserTest, EveryStopByteAtEveryOffsetOfAWord) {
  for (size_t prefix = 0; prefix < 20; ++prefix) {
    const std::string plain(prefix, 'x');
    absl::StatusOr<JsonValue> escaped = ParseJson("\"" + plain + "\\n" + plain + "\"");
    ASSERT_TRUE(escaped.ok()) << prefix;
    EXPECT_EQ(*escaped->AsString(), plain + "\n" + plain);
    absl::StatusOr<JsonValue> quoted = ParseJson("[\"" + plain + "\",1]");
    ASSERT_TRUE(quoted.ok()) << prefix;
    EXPECT_EQ(*(*quoted->AsArray())[0].AsString(), plain);
    absl::StatusOr<JsonValue> utf8 = ParseJson("\"" + plain + "\xc3\xa9" + plain + "\"");
    ASSERT_TRUE(utf8.ok()) << prefix;
    EXPECT_EQ(*utf8->AsString(), plain + "\xc3\xa9" + plain);
    EXPECT_EQ(ParseError("\"" + plain + "\x01\""),
              "column " + std::to_string(prefix + 2) +
                  ": byte 0x01 inside a string (control characters must be escaped)");
    // The last printable bytes next to the stops: ' ' (0x20), '~' (0x7e),
    // '!' and '#' around '"', '[' and ']' around '\\'.
    const std::string edges = plain + " ~!#[]";
    absl::StatusOr<JsonValue> edge = ParseJson("\"" + edges + "\"");
    ASSERT_TRUE(edge.ok()) << prefix;
    EXPECT_EQ(*edge->AsString(), edges);
  }
}

TEST(JsonParserTest, TrailingGarbage) {
  EXPECT_EQ(ParseError("{} x"), "column 4: unexpected 'x' after the JSON value");
  EXPECT_EQ(ParseError("[1]]"), "column 4: unexpected ']' after the JSON value");
  EXPECT_EQ(ParseError("1 2"), "column 3: unexpected '2' after the JSON value");
  EXPECT_EQ(ParseError("{}{}"), "column 3: unexpected '{' after the JSON value");
}

TEST(JsonParserTest, NulBytesAreErrors) {
  EXPECT_EQ(ParseError(std::string_view("{}\0", 3)),
            "column 3: unexpected NUL byte after the JSON value");
  EXPECT_EQ(ParseError(std::string_view("\0", 1)),
            "column 1: unexpected NUL byte, expected a JSON value");
  EXPECT_EQ(ParseError(std::string_view("\"a\0b\"", 5)),
            "column 3: NUL byte inside a string (control characters must be escaped)");
  EXPECT_EQ(ParseError(std::string_view("[1,\0]", 5)),
            "column 4: unexpected NUL byte, expected a JSON value");
  // An escaped NUL is valid JSON and decodes to a NUL byte.
  EXPECT_EQ(*ParseOk(R"("a\u0000b")").AsString(), std::string("a\0b", 3));
}

TEST(JsonParserTest, ControlCharactersMustBeEscaped) {
  EXPECT_EQ(ParseError("\"a\tb\""),
            "column 3: byte 0x09 inside a string (control characters must be escaped)");
  EXPECT_EQ(ParseError("\"a\nb\""),
            "column 3: byte 0x0a inside a string (control characters must be escaped)");
}

TEST(JsonParserTest, Escapes) {
  EXPECT_EQ(*ParseOk(R"("\"\\\/\b\f\n\r\t")").AsString(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(*ParseOk(R"("\u0041\u00e9\u20AC")").AsString(), "A\xC3\xA9\xE2\x82\xAC");
}

TEST(JsonParserTest, BadEscapes) {
  EXPECT_EQ(ParseError(R"("\x41")"), "column 2: invalid escape: backslash followed by 'x'");
  EXPECT_EQ(ParseError(R"("\')"), "column 2: invalid escape: backslash followed by '''");
  EXPECT_EQ(ParseError("\"\\"), "column 2: unterminated escape at end of input");
  EXPECT_EQ(ParseError(R"("\u12")"), "column 4: incomplete \\u escape, expected 4 hex digits");
  EXPECT_EQ(ParseError(R"("\u12G4")"), "column 6: invalid \\u escape, expected 4 hex digits");
  EXPECT_EQ(ParseError(R"("\u12)"), "column 4: incomplete \\u escape, expected 4 hex digits");
}

TEST(JsonParserTest, SurrogatePairs) {
  // U+1F600 and U+10FFFF, the largest code point.
  EXPECT_EQ(*ParseOk(R"("\ud83d\ude00")").AsString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(*ParseOk(R"("\uDBFF\uDFFF")").AsString(), "\xF4\x8F\xBF\xBF");
  EXPECT_EQ(ParseError(R"("\ud83d")"),
            "column 2: high surrogate in \\u escape not followed by a low surrogate");
  EXPECT_EQ(ParseError(R"("\ud83dx")"),
            "column 2: high surrogate in \\u escape not followed by a low surrogate");
  EXPECT_EQ(ParseError(R"("\ud83d\u0041")"),
            "column 2: high surrogate in \\u escape not followed by a low surrogate");
  EXPECT_EQ(ParseError(R"("\ud83d\ud83d")"),
            "column 2: high surrogate in \\u escape not followed by a low surrogate");
  EXPECT_EQ(ParseError(R"("\ude00")"), "column 2: unpaired low surrogate in \\u escape");
}

TEST(JsonParserTest, Utf8) {
  EXPECT_EQ(*ParseOk("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"").AsString(),
            "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(ParseError("\"a\xFF\""), "column 3: invalid UTF-8 in string");
  // Overlong "/" and an encoded surrogate.
  EXPECT_EQ(ParseError("\"\xC0\xAF\""), "column 2: invalid UTF-8 in string");
  EXPECT_EQ(ParseError("\"\xED\xA0\x80\""), "column 2: invalid UTF-8 in string");
  // Cut off inside a sequence.
  EXPECT_EQ(ParseError("\"\xE2\x82"), "column 2: invalid UTF-8 in string");
  EXPECT_EQ(ParseError("\xC3\xA9"), "column 1: unexpected byte 0xc3, expected a JSON value");
}

TEST(JsonParserTest, NestingLimit) {
  const auto nested = [](int depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  EXPECT_TRUE(ParseJson(nested(kMaxJsonDepth)).ok());
  EXPECT_EQ(ParseError(nested(kMaxJsonDepth + 1)), "column 65: nesting deeper than 64 levels");
  std::string objects;
  for (int i = 0; i <= kMaxJsonDepth; ++i) objects += "{\"a\":";
  EXPECT_EQ(ParseError(objects), "column 321: nesting deeper than 64 levels");
  // Deep enough to overflow the stack if the parser did not stop early.
  EXPECT_EQ(ParseError(std::string(1 << 20, '[')), "column 65: nesting deeper than 64 levels");
}

TEST(JsonParserTest, EveryPrefixOfAValidDocumentFailsCleanly) {
  const std::string document =
      R"({"type":"alloc","n":-12,"d":1.5e3,"s":"a\u00e9\ud83d\ude00\n","a":[true,false,null,{}]})";
  ASSERT_TRUE(ParseJson(document).ok());
  for (size_t i = 0; i < document.size(); ++i) {
    EXPECT_FALSE(ParseJson(document.substr(0, i)).ok()) << i;
  }
}

TEST(JsonParserTest, RandomMutationsNeverCrash) {
  const std::string document =
      R"({"type":"wq","xs":[1,2,[3,{"k":"v\"\\"}]],"u":"\uD83D\uDE00","f":-0.5e-7})";
  std::mt19937 rng(12345);
  int parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string mutated = document;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      mutated[rng() % mutated.size()] = static_cast<char>(rng() % 256);
    }
    if (ParseJson(mutated).ok()) ++parsed;
  }
  // Some mutations keep the document valid (inside strings); most do not.
  EXPECT_GT(parsed, 0);
  EXPECT_LT(parsed, 20000);
}

TEST(JsonValueTest, ExactConversions) {
  EXPECT_EQ(JsonValue(int64_t{5}).kind(), JsonValue::Kind::kUint);
  EXPECT_EQ(JsonValue(int64_t{-5}).kind(), JsonValue::Kind::kInt);
  EXPECT_EQ(JsonValue(int64_t{5}), JsonValue(uint64_t{5}));
  EXPECT_EQ(JsonValue(uint64_t{5}).AsInt64(), 5);
  EXPECT_EQ(JsonValue(int64_t{-5}).AsDouble(), -5.0);
  EXPECT_EQ(JsonValue(2.5).AsUint64(), std::nullopt);
  EXPECT_EQ(JsonValue("x").AsBool(), std::nullopt);
  EXPECT_EQ(*JsonValue("x").AsString(), "x");
  EXPECT_EQ(JsonValue(true).AsString(), nullptr);
  EXPECT_EQ(JsonValue::KindName(JsonValue(1.0).kind()), "number");
  EXPECT_EQ(JsonValue::KindName(JsonValue(uint64_t{1}).kind()), "integer");
}

}  // namespace
}  // namespace submitwatch
