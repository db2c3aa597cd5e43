#include <doctest/doctest.h>

#include "labctl/core/error.hpp"
#include "labctl/ops/params.hpp"

using namespace labctl;
using namespace labctl::ops;
using json = nlohmann::json;

namespace {

Operation op_with(std::vector<Param> params, std::string route = "/things") {
  return {.name = "test.op", .cli_path = {"test"}, .http = HttpRoute{"POST", route}, .params = std::move(params)};
}

Error error_of(const Operation& op, const json& input, Frontend fe = Frontend::http) {
  try {
    validate(op, input, fe, nullptr);
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected a validation error");
  return internal_error("unreachable");
}

}  // namespace

TEST_CASE("strings are trimmed, bounded in characters, and empty optionals become null") {
  auto op = op_with({{.name = "name", .min = 2, .max = 5, .required = true},
                     {.name = "note", .max = 10},
                     {.name = "key", .lowercased = true}});
  auto p = validate(op, {{"name", "  Ёжик "}, {"note", "   "}, {"key", " AcMe "}}, Frontend::http, nullptr);
  CHECK(p.str("name") == "Ёжик");  // 4 characters, 8 bytes
  CHECK_FALSE(p.has("note"));
  CHECK(p.str("key") == "acme");

  auto e = error_of(op, {{"name", ""}});
  CHECK(e.code() == "validation_error");
  CHECK(std::string(e.what()) == "name is required");
  CHECK(e.details()[0] == json{{"path", "name"}, {"message", "name is required"}, {"code", "too_small"}});
  CHECK(error_of(op, {{"name", "abcdef"}}).details()[0]["code"] == "too_big");
  CHECK(error_of(op, json::object()).details()[0]["code"] == "invalid_type");
  CHECK(error_of(op, {{"name", 42}}).details()[0]["code"] == "invalid_type");
}

TEST_CASE("every problem is reported; the message is the first") {
  auto op = op_with({{.name = "a", .required = true}, {.name = "b", .type = ParamType::integer, .max = 3}});
  auto e = error_of(op, {{"b", 9}});
  REQUIRE(e.details().size() == 2);
  CHECK(e.details()[0]["path"] == "a");
  CHECK(e.details()[1]["path"] == "b");
  CHECK(std::string(e.what()) == "a is required");
}

TEST_CASE("integers accept numeric strings, reject fractions, and clamp only over HTTP when declared") {
  auto reject = op_with({{.name = "top_k", .type = ParamType::integer, .min = 1, .max = 50}});
  CHECK(validate(reject, {{"top_k", "5"}}, Frontend::http, nullptr).integer("top_k") == 5);
  CHECK(validate(reject, {{"top_k", 7}}, Frontend::cli, nullptr).integer("top_k") == 7);
  CHECK(error_of(reject, {{"top_k", 51}}).details()[0]["code"] == "too_big");
  CHECK(error_of(reject, {{"top_k", 0}}).details()[0]["code"] == "too_small");
  CHECK(error_of(reject, {{"top_k", 2.5}}).details()[0]["code"] == "invalid_type");
  CHECK(error_of(reject, {{"top_k", "2.5"}}).details()[0]["code"] == "invalid_type");
  CHECK(error_of(reject, {{"top_k", "abc"}}).details()[0]["code"] == "invalid_type");

  auto clamp = op_with({{.name = "limit", .type = ParamType::integer, .min = 1, .max = 500,
                         .out_of_range = OutOfRange::clamp}});
  CHECK(validate(clamp, {{"limit", 9000}}, Frontend::http, nullptr).integer("limit") == 500);
  CHECK(validate(clamp, {{"limit", -3}}, Frontend::http, nullptr).integer("limit") == 1);
  auto lenient = op_with({{.name = "limit", .type = ParamType::integer, .default_value = 100, .min = 1, .max = 500,
                           .out_of_range = OutOfRange::clamp}});
  CHECK(validate(lenient, {{"limit", "lots"}}, Frontend::http, nullptr).integer("limit") == 100);
  CHECK(validate(lenient, {{"limit", "2.5"}}, Frontend::http, nullptr).integer("limit") == 100);
  CHECK(error_of(lenient, {{"limit", "lots"}}, Frontend::cli).details()[0]["code"] == "invalid_type");
  // The CLI rejects what HTTP clamps, naming the flag.
  auto e = error_of(clamp, {{"limit", "9000"}}, Frontend::cli);
  CHECK(std::string(e.what()) == "--limit must be at most 500");
}

TEST_CASE("booleans accept the documented strings") {
  auto op = op_with({{.name = "flag", .type = ParamType::boolean, .default_value = false}});
  for (const char* t : {"true", "1", "yes", "on", "TRUE"})
    CHECK(validate(op, {{"flag", t}}, Frontend::http, nullptr).boolean("flag"));
  for (const char* f : {"false", "0", "no", "off", ""})
    CHECK_FALSE(validate(op, {{"flag", f}}, Frontend::http, nullptr).boolean("flag"));
  CHECK_FALSE(validate(op, json::object(), Frontend::http, nullptr).boolean("flag"));
  CHECK(error_of(op, {{"flag", "maybe"}}).details()[0]["code"] == "invalid_type");
}

TEST_CASE("uuids: path ids get invalid_uuid, body fields a validation_error") {
  auto path_op = op_with({{.name = "id", .type = ParamType::uuid, .required = true}}, "/outbound/:id/approve");
  auto e = error_of(path_op, {{"id", "not-a-uuid"}});
  CHECK(e.code() == "invalid_uuid");
  CHECK(std::string(e.what()) == "id must be a valid UUID");
  CHECK(validate(path_op, {{"id", "0D4E5C1A-8F5E-4D8E-9A3B-1C2D3E4F5A6B"}}, Frontend::http, nullptr).has("id"));

  auto body_op = op_with({{.name = "owner", .type = ParamType::uuid}});
  auto b = error_of(body_op, {{"owner", "123"}});
  CHECK(b.code() == "validation_error");
  CHECK(b.details()[0]["code"] == "invalid_format");
}

TEST_CASE("choices, dates and UTF-8") {
  auto op = op_with({{.name = "mode", .type = ParamType::choice, .choices = {"a", "b"}},
                     {.name = "from", .type = ParamType::date},
                     {.name = "text"}});
  CHECK(error_of(op, {{"mode", "c"}}).details()[0]["code"] == "invalid_value");
  CHECK(error_of(op, {{"mode", "A"}}).details()[0]["code"] == "invalid_value");  // case-sensitive
  CHECK(validate(op, {{"from", "2026-01-31"}}, Frontend::http, nullptr).str("from") == "2026-01-31");
  CHECK(validate(op, {{"from", "2026-01-31T10:00:00Z"}}, Frontend::http, nullptr).has("from"));
  CHECK(error_of(op, {{"from", "31.01.2026"}}).details()[0]["code"] == "invalid_format");
  CHECK(error_of(op, {{"text", std::string("bad \xC3\x28 byte")}}).details()[0]["code"] == "invalid_format");
}

TEST_CASE("valid_utf8 accepts Cyrillic and emoji and rejects broken sequences") {
  CHECK(valid_utf8("привет 👋 hello"));
  CHECK(valid_utf8(""));
  CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  CHECK_FALSE(valid_utf8("\xF0\x9F\x91"));      // truncated emoji
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(valid_utf8("\x80"));
}
