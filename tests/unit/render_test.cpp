#include <doctest/doctest.h>

#include <sstream>

#include "labctl/cli/render.hpp"

using namespace labctl;
using json = nlohmann::json;

namespace {

const ops::Operation kList{.name = "things.list", .rows = "things", .columns = {"id", "name"}};
const json kResult = {{"things", json::array({{{"id", 1}, {"name", "Acme, \"Inc\""}}, {{"id", 2}, {"name", "Ёлка"}}})},
                      {"total", 2}};

std::string rendered(const ops::Operation& op, const json& result, const std::string& format) {
  std::ostringstream out;
  cli::render(op, result, format, out);
  return out.str();
}

}  // namespace

TEST_CASE("csv: header row, RFC 4180 quoting, CRLF") {
  CHECK(rendered(kList, kResult, "csv") == "id,name\r\n1,\"Acme, \"\"Inc\"\"\"\r\n2,Ёлка\r\n");
  CHECK(cli::csv_field("a\nb") == "\"a\nb\"");
  CHECK(cli::csv_field("plain") == "plain");
}

TEST_CASE("ndjson: one row per line; json: the whole result") {
  CHECK(rendered(kList, kResult, "ndjson") == "{\"id\":1,\"name\":\"Acme, \\\"Inc\\\"\"}\n{\"id\":2,\"name\":\"Ёлка\"}\n");
  CHECK(json::parse(rendered(kList, kResult, "json")) == kResult);
}

TEST_CASE("table: aligned columns by characters, not bytes") {
  auto text = rendered(kList, kResult, "table");
  CHECK(text == "ID  NAME\n1   Acme, \"Inc\"\n2   Ёлка\n");
}

TEST_CASE("an operation without rows renders key/value pairs; a single object renders as one row") {
  const ops::Operation plain{.name = "x"};
  CHECK(rendered(plain, {{"a", "1"}, {"list", {"x", "y"}}}, "table") == "KEY   VALUE\na     1\nlist  x, y\n");
  const ops::Operation one{.name = "y", .rows = "thing", .columns = {"id"}};
  CHECK(rendered(one, {{"thing", {{"id", "7"}}}}, "csv") == "id\r\n7\r\n");
}

TEST_CASE("text operations write their text verbatim whatever the format") {
  const ops::Operation text{.name = "z", .text = "script"};
  CHECK(rendered(text, {{"script", "echo hi\n"}}, "json") == "echo hi\n");
}
