#include <doctest/doctest.h>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/ops/params.hpp"

using namespace labctl;
using namespace labctl::ops;
using json = nlohmann::json;

namespace {

Operation op_with(std::vector<Param> params, std::string route = "/things") {
  return {.name = "test.op", .cli_path = {"test"}, .routes = {{.method = "POST", .path = route}},
          .params = std::move(params)};
}

Params validate(const Operation& op, const json& input, Frontend fe, const Config* config) {
  return ops::validate(op, &op.routes[0], input, fe, config);
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

TEST_CASE("a parameter's own wire code replaces validation_error: invalid_uuid for path ids") {
  auto path_op = op_with({{.name = "id", .type = ParamType::uuid, .required = true, .invalid_code = "invalid_uuid"}},
                         "/outbound/:id/approve");
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


TEST_CASE("integers are exact int64: nothing past 2^63 passes, and 1e30 is not an id") {
  auto op = op_with({{.name = "id", .type = ParamType::integer, .min = 1, .invalid_code = "invalid_id"}});
  CHECK(validate(op, {{"id", "9223372036854775807"}}, Frontend::cli, nullptr).integer("id") == 9223372036854775807LL);
  CHECK(validate(op, {{"id", 9223372036854775807LL}}, Frontend::http, nullptr).integer("id") == 9223372036854775807LL);
  CHECK(validate(op, {{"id", "+42"}}, Frontend::http, nullptr).integer("id") == 42);
  CHECK(validate(op, {{"id", "1e3"}}, Frontend::http, nullptr).integer("id") == 1000);
  CHECK(validate(op, {{"id", "4.0"}}, Frontend::http, nullptr).integer("id") == 4);
  for (json bad : {json("9223372036854775808"), json(9223372036854775808ULL), json(1e30), json("1e30"),
                   json(18446744073709551615ULL), json("99999999999999999999999")}) {
    CAPTURE(bad.dump());
    auto e = error_of(op, {{"id", bad}});
    CHECK(e.code() == "invalid_id");
    CHECK(std::string(e.what()) == "id must be at most 9223372036854775807");
  }
  for (json bad : {json("-9223372036854775809"), json(-1e30), json("0"), json(-5)}) {
    CAPTURE(bad.dump());
    CHECK(error_of(op, {{"id", bad}}).code() == "invalid_id");
  }
  for (json bad : {json("0x10"), json("inf"), json("nan"), json("1e"), json("."), json("12abc"), json(" "), json(true)}) {
    CAPTURE(bad.dump());
    auto e = error_of(op, {{"id", bad}});
    CHECK(e.code() == "invalid_id");
    CHECK(std::string(e.what()) == "id must be an integer");
  }
  auto cli = error_of(op, {{"id", "9223372036854775808"}}, Frontend::cli);
  CHECK(std::string(cli.what()) == "--id must be at most 9223372036854775807");
  // Over HTTP a lenient limit clamps even what int64 cannot hold.
  auto lenient = op_with({{.name = "limit", .type = ParamType::integer, .default_value = 20, .min = 1, .max = 500,
                           .out_of_range = OutOfRange::clamp}});
  CHECK(validate(lenient, {{"limit", 1e30}}, Frontend::http, nullptr).integer("limit") == 500);
  CHECK(validate(lenient, {{"limit", "-99999999999999999999"}}, Frontend::http, nullptr).integer("limit") == 1);
}

TEST_CASE("an optional value that trims to nothing gets its default") {
  auto op = op_with({{.name = "event_type", .type = ParamType::choice, .default_value = "search",
                      .choices = {"search", "click"}}});
  CHECK(validate(op, {{"event_type", ""}}, Frontend::cli, nullptr).str("event_type") == "search");
  CHECK(validate(op, {{"event_type", " \u00a0 "}}, Frontend::http, nullptr).str("event_type") == "search");
  CHECK(validate(op, {{"event_type", "click"}}, Frontend::http, nullptr).str("event_type") == "click");
}

TEST_CASE("strings trim JavaScript white space, so a name of no-break spaces is empty") {
  auto op = op_with({{.name = "name", .min = 2, .required = true}});
  CHECK(std::string(error_of(op, {{"name", "\u00a0a\u00a0"}}).what()) == "name must be at least 2 characters");
  CHECK(std::string(error_of(op, {{"name", " a "}}).what()) == "name must be at least 2 characters");
  CHECK(validate(op, {{"name", "\u2003ab\u3000"}}, Frontend::http, nullptr).str("name") == "ab");
}

TEST_CASE("a route's fixed values win over the input, and its choices narrow a parameter's") {
  Operation op{.name = "sync",
               .routes = {{.method = "POST", .path = "/sync", .fixed = {{"connector", "all"}}},
                          {.method = "POST", .path = "/sync/:connector", .choices = {{"connector", {"a", "b"}}}}},
               .params = {{.name = "connector", .type = ParamType::choice, .choices = {"a", "b", "all"},
                           .required = true, .invalid_code = "unsupported_connector"}}};
  CHECK(ops::validate(op, &op.routes[0], {{"connector", "a"}}, Frontend::http, nullptr).str("connector") == "all");
  CHECK(ops::validate(op, &op.routes[1], {{"connector", "b"}}, Frontend::http, nullptr).str("connector") == "b");
  try {
    ops::validate(op, &op.routes[1], {{"connector", "all"}}, Frontend::http, nullptr);
    FAIL("all is not a connector of the one-connector route");
  } catch (const Error& e) {
    CHECK(e.code() == "unsupported_connector");
  }
  CHECK(ops::validate(op, nullptr, {{"connector", "all"}}, Frontend::cli, nullptr).str("connector") == "all");
}

TEST_CASE("a bad default from configuration names the key and where it was set, as a configuration error") {
  auto config = Config::load_from({{"PORT", "-5"}}, std::nullopt, {});
  Operation op{.name = "serve", .cli_path = {"serve"},
               .params = {{.name = "port", .type = ParamType::integer, .config_default = "server.port", .min = 0,
                           .max = 65535}}};
  try {
    ops::validate(op, nullptr, json::object(), Frontend::cli, &config);
    FAIL("expected a configuration error");
  } catch (const Error& e) {
    CHECK(e.error_class() == ErrorClass::config);
    CHECK(std::string(e.what()) == "config key 'server.port' (env:PORT) must be at least 0, got '-5'");
  }
  // Given on the command line, the same value is the caller's mistake.
  try {
    ops::validate(op, nullptr, {{"port", "-5"}}, Frontend::cli, &config);
    FAIL("expected a validation error");
  } catch (const Error& e) {
    CHECK(e.error_class() == ErrorClass::invalid_params);
    CHECK(std::string(e.what()) == "--port must be at least 0");
  }
}
