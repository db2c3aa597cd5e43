#include <doctest/doctest.h>

#include "labctl/core/json_input.hpp"

using namespace labctl;
using json = nlohmann::json;

namespace {

std::optional<json> parse(const std::string& text, std::string& why, size_t depth = kMaxJsonDepth) {
  return parse_json_input(text, why, depth);
}

}  // namespace

TEST_CASE("json input: nesting past the limit is refused before the parser recurses") {
  std::string why;
  CHECK(parse(std::string(64, '[') + std::string(64, ']'), why));
  CHECK_FALSE(parse(std::string(65, '[') + std::string(65, ']'), why));
  CHECK(why == "nested deeper than 64 levels");
  CHECK_FALSE(parse(std::string(100000, '[') + std::string(100000, ']'), why));
  CHECK_FALSE(parse("{\"a\":" + std::string(100000, '{'), why));  // unterminated, and deep
  CHECK(why == "nested deeper than 64 levels");
  // Brackets inside strings are text, not nesting.
  auto in_strings = parse("{\"k\":\"" + std::string(1000, '[') + "\\\"]\"}", why);
  REQUIRE(in_strings);
  CHECK((*in_strings)["k"].get<std::string>().size() == 1002);
  CHECK(parse("[[[1]]]", why, 3));
  CHECK_FALSE(parse("[[[[1]]]]", why, 3));
}

TEST_CASE("json input: a lone UTF-16 surrogate becomes U+FFFD; pairs stay") {
  std::string why;
  auto lone = parse(R"({"a":"x\ud800y","b":"\udc00","c":"end\ud83d"})", why);
  REQUIRE(lone);
  CHECK((*lone)["a"] == "x\xEF\xBF\xBDy");
  CHECK((*lone)["b"] == "\xEF\xBF\xBD");
  CHECK((*lone)["c"] == "end\xEF\xBF\xBD");
  auto pair = parse(R"(["\ud83d\ude00", "\u00e9"])", why);
  REQUIRE(pair);
  CHECK((*pair)[0] == "\xF0\x9F\x98\x80");
  CHECK((*pair)[1] == "\xC3\xA9");
  auto escaped_backslash = parse(R"(["\\ud800"])", why);  // a backslash, then text: no escape at all
  REQUIRE(escaped_backslash);
  CHECK((*escaped_backslash)[0] == "\\ud800");
}

TEST_CASE("json input: a syntax error says where, never what the text was") {
  std::string why;
  CHECK_FALSE(parse(R"({"secret customer text": tru})", why));
  CHECK(why.find("parse error") != std::string::npos);
  CHECK(why.find("secret") == std::string::npos);
  CHECK(why.find("tru") == std::string::npos);
  CHECK_FALSE(parse("", why));
  CHECK_FALSE(parse("\xFF", why));
}
