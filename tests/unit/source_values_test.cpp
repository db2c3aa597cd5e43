#include <doctest/doctest.h>

#include "labctl/domains/connectors/source_values.hpp"

using namespace labctl::connectors;
using json = nlohmann::json;

TEST_CASE("text trims, drops empties, stringifies scalars and counts code points") {
  CHECK(text(json("  Acme  ")) == "Acme");
  CHECK(text(json("   \t\n")) == std::nullopt);
  CHECK(text(json("")) == std::nullopt);
  CHECK(text(json("\xC2\xA0 x \xE3\x80\x80")) == "x");  // NBSP and ideographic space are trimmed
  CHECK(text(json("  Ёжик  "), 2) == "Ёж");           // 2 characters, 4 bytes
  CHECK(text(json("a😀b"), 2) == "a😀");
  CHECK(text(json("abc"), 10) == "abc");
  CHECK(text(json(55)) == "55");
  CHECK(text(json(true)) == "true");
  CHECK(text(json(nullptr)) == std::nullopt);
  CHECK(text(json::object({{"a", 1}})) == std::nullopt);
  CHECK(text(json::array({"a"})) == std::nullopt);
}

TEST_CASE("ts: epoch seconds, epoch milliseconds and ISO strings agree") {
  const std::string expected = "2026-01-01T10:00:00.000Z";
  CHECK(ts(json(1767261600)) == expected);
  CHECK(ts(json(1767261600000LL)) == expected);
  CHECK(ts(json("1767261600")) == expected);
  CHECK(ts(json(" 1767261600000 ")) == expected);
  CHECK(ts(json("2026-01-01T10:00:00Z")) == expected);
  CHECK(ts(json("2026-01-01T10:00:00.000Z")) == expected);
  CHECK(ts(json("2026-01-01T13:00:00+03:00")) == expected);
  CHECK(ts(json("2026-01-01T05:30:00-0430")) == expected);
  CHECK(ts(json("2026-01-01 10:00:00")) == expected);  // no offset: UTC
  CHECK(ts(json("2026-01-01T10:00")) == expected);
}

TEST_CASE("ts: fractions, dates, day and year rollover") {
  CHECK(ts(json(1767261600.5)) == "2026-01-01T10:00:00.500Z");
  CHECK(ts(json("2026-01-05T08:00:00.123456Z")) == "2026-01-05T08:00:00.123Z");
  CHECK(ts(json("2026-01-05T08:00:00.5Z")) == "2026-01-05T08:00:00.500Z");
  CHECK(ts(json("2026-01-10")) == "2026-01-10T00:00:00.000Z");
  CHECK(ts(json("2025-12-31T23:30:00-01:00")) == "2026-01-01T00:30:00.000Z");
  CHECK(ts(json("2024-02-29T00:00:00Z")) == "2024-02-29T00:00:00.000Z");
  CHECK(ts(json(0)) == "1970-01-01T00:00:00.000Z");
  CHECK(ts(json(-1)) == "1969-12-31T23:59:59.000Z");
  CHECK(ts(json(9999999999LL)) == "2286-11-20T17:46:39.000Z");      // just below 1e10: seconds
  CHECK(ts(json(10000000000LL)) == "1970-04-26T17:46:40.000Z");     // 1e10: milliseconds
}

TEST_CASE("ts: anything else is NULL") {
  CHECK(ts(json(nullptr)) == std::nullopt);
  CHECK(ts(json("")) == std::nullopt);
  CHECK(ts(json("   ")) == std::nullopt);
  CHECK(ts(json("yesterday")) == std::nullopt);
  CHECK(ts(json("2026-02-30T00:00:00Z")) == std::nullopt);
  CHECK(ts(json("2026-13-01")) == std::nullopt);
  CHECK(ts(json("2026-01-01T24:00:00Z")) == std::nullopt);
  CHECK(ts(json("2026-01-01T10:00:00+03:")) == std::nullopt);
  CHECK(ts(json("2026-01-01T10:00:00Zjunk")) == std::nullopt);
  CHECK(ts(json("12abc")) == std::nullopt);
  CHECK(ts(json("nan")) == std::nullopt);
  CHECK(ts(json(true)) == std::nullopt);
  CHECK(ts(json::object()) == std::nullopt);
  CHECK(ts(json(1e300)) == std::nullopt);
}

TEST_CASE("integer truncates numbers and numeric strings") {
  CHECK(integer(json(42)) == 42);
  CHECK(integer(json("42")) == 42);
  CHECK(integer(json(" 12.9 ")) == 12);
  CHECK(integer(json(-3.7)) == -3);
  CHECK(integer(json(9007199254740993LL)) == 9007199254740993LL);  // exact, not through double
  CHECK(integer(json("abc")) == std::nullopt);
  CHECK(integer(json("12abc")) == std::nullopt);
  CHECK(integer(json("")) == std::nullopt);
  CHECK(integer(json(true)) == std::nullopt);
  CHECK(integer(json(nullptr)) == std::nullopt);
  CHECK(integer(json(1e30)) == std::nullopt);
  CHECK(number(json("2.5")) == 2.5);
  CHECK(number(json("inf")) == std::nullopt);
  CHECK(date_only(json("2026-03-31")) == "2026-03-31");
  CHECK(date_only(json("nope")) == std::nullopt);
}

TEST_CASE("first_of walks dotted paths and skips empty values") {
  json v = {{"a", nullptr}, {"b", "  "}, {"c", {{"d", 7}}}, {"e", json::array()}, {"f", 0}};
  CHECK(at_path(v, "c.d")->get<int>() == 7);
  CHECK(at_path(v, "c.x") == nullptr);
  CHECK(at_path(v, "b.x") == nullptr);
  CHECK(value_of(v, {"a", "b", "e", "c.d"}) == 7);
  CHECK(value_of(v, {"f", "c.d"}) == 0);  // 0 is a value
  CHECK(value_of(v, {"missing", "a"}).is_null());
  CHECK(first_array(v, {"a", "e"}) == &v["e"]);
}

TEST_CASE("pg_cell writes PostgreSQL's text input form") {
  CHECK(pg_cell(std::string("x")) == "x");
  CHECK(pg_cell(std::optional<std::string>()) == std::nullopt);
  CHECK(pg_cell(42LL) == "42");
  CHECK(pg_cell(std::optional<long long>(-7)) == "-7");
  CHECK(pg_cell(0.6) == "0.6");
  CHECK(pg_cell(120000.5) == "120000.5");
  CHECK(pg_cell(1.0) == "1");
  CHECK(pg_cell(true) == "t");
  CHECK(pg_cell(false) == "f");
  CHECK(pg_cell(json{{"b", 1}, {"a", "x"}}) == R"({"a":"x","b":1})");
  CHECK(pg_cell(std::string("a\0b", 3)) == std::string("a\0b", 3));  // the array encoder drops it (rows.hpp)
  CHECK(pg_cell(json{{"k", std::string("a\0b", 3)}}) == R"({"k":"ab"})");  // jsonb rejects \u0000
}

TEST_CASE("dedupe_by_id keeps the first occurrence and the order") {
  struct R {
    std::string id;
    int v;
  };
  auto out = dedupe_by_id(std::vector<R>{{"b", 1}, {"a", 2}, {"b", 3}, {"c", 4}, {"a", 5}});
  REQUIRE(out.size() == 3);
  CHECK(out[0].id == "b");
  CHECK(out[0].v == 1);
  CHECK(out[1].v == 2);
  CHECK(out[2].id == "c");
}
