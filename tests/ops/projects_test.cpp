// The project operations through both front ends, and the scope a project gives an operation.
#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/checks.hpp"
#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"
#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/metrics.hpp"
#include "labctl/db/database.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "labctl/ops/context.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::body_of;
using test::check_security_headers;
using test::lines;

namespace {

int projects_named(const std::string& url, const std::string& name) {
  pqxx::connection conn(url);
  return pqxx::nontransaction(conn).exec_params1("SELECT count(*) FROM projects WHERE name = $1", name)[0].as<int>();
}

}  // namespace

TEST_CASE("projects: create, list as json/csv/ndjson, show") {
  auto url = test::fresh_database();
  auto env = test::test_env(url);
  auto created = test::labctl({"projects", "create", "Acme website", "--account-scope-key", "ACME", "-o", "json"}, env);
  REQUIRE(created.exit_code == 0);
  auto project = json::parse(created.out)["project"];
  CHECK(project["name"] == "Acme website");
  CHECK(test::labctl({"projects", "create", "Beta, \"two\""}, env).exit_code == 0);

  auto list = test::labctl({"projects", "list", "--output", "json"}, env);
  REQUIRE(list.exit_code == 0);
  auto projects = json::parse(list.out)["projects"];
  REQUIRE(projects.size() == 2);  // the legacy project is hidden
  CHECK(projects[0]["name"] == "Beta, \"two\"");  // newest first
  CHECK(projects[1]["id"] == project["id"]);

  auto csv = test::labctl({"projects", "list", "--output", "csv"}, env);
  CHECK(csv.out.rfind("id,name,account_scope_id,created_at\r\n", 0) == 0);
  CHECK(csv.out.find("\"Beta, \"\"two\"\"\"") != std::string::npos);
  CHECK(lines(test::labctl({"projects", "list", "-o", "ndjson"}, env).out) == 2);

  auto show = test::labctl({"projects", "show", project["id"].get<std::string>(), "-o", "json"}, env);
  CHECK(json::parse(show.out)["project"]["account_scope_id"] == project["account_scope_id"]);
  CHECK(test::query_value(url, "SELECT count(*) FROM account_scopes WHERE scope_key = 'acme'") == 1);
  CHECK(test::query_value(url, "SELECT count(*) FROM audit_events WHERE action = 'project.create'") == 2);
}

TEST_CASE("serve: POST /projects and GET /projects go through the same handlers as the CLI") {
  auto url = test::fresh_database();
  auto env = test::test_env(url);
  test::Server server(env);
  auto client = server.session();
  auto created = client.Post("/v1/projects", R"({"name":"  From HTTP  ","body_text":"ignored","account_scope_key":"Acme"})",
                             "application/json");
  CHECK(created->status == 201);
  auto project = body_of(created)["project"];
  CHECK(project["name"] == "From HTTP");
  CHECK(projects_named(url, "From HTTP") == 1);

  auto list = body_of(client.Get("/projects"));
  CHECK(list["ok"] == true);
  REQUIRE(list["projects"].size() == 1);
  CHECK(list["projects"][0]["id"] == project["id"]);
  CHECK(list.contains("active_project_id"));

  auto cli = test::labctl({"projects", "list", "-o", "json"}, env);
  CHECK(json::parse(cli.out)["projects"] == list["projects"]);
}

TEST_CASE("Context::scope resolves the selected project's account scope, or asks for a project") {
  auto config = Config::load_from({{"DATABASE_URL", test::fresh_database()}}, std::nullopt, {});
  db::Database database(config);
  std::unique_ptr<pqxx::connection> conn;
  auto acquire = [&](bool) -> pqxx::connection& {
    if (!conn) conn = database.connect();
    return *conn;
  };

  Metrics metrics;
  ops::Context none(config, database, metrics, ops::Frontend::http, "r-1", acquire);
  try {
    none.scope();
    FAIL("expected active_project_required");
  } catch (const Error& e) {
    CHECK(e.code() == "active_project_required");
    CHECK(e.error_class() == ErrorClass::conflict);
    CHECK(std::string(e.what()) == "Select active project first");
  }

  auto project = projects::create(*database.connect(), {"Scoped", std::string("scope-a"), std::nullopt});
  ops::Context selected(config, database, metrics, ops::Frontend::cli, "r-2", acquire);
  selected.project_id = project.id;
  auto scope = selected.scope();
  CHECK(scope.project_id == project.id);
  CHECK(scope.account_scope_id == project.account_scope_id);

  ops::Context unknown(config, database, metrics, ops::Frontend::cli, "r-3", acquire);
  unknown.project_id = "0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b";
  CHECK_THROWS_WITH_AS(unknown.scope(), "project 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b not found", Error);
}

TEST_CASE("projects list: control characters in names reach the terminal escaped, JSON exact") {
  auto url = test::fresh_database();
  auto env = test::test_env(url);
  const std::string hostile = "Acme \x1b[31mred\x1b[0m \x07 \x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\ \xE2\x80\xAE";
  auto created = test::labctl({"projects", "create", hostile, "-o", "json"}, env);
  REQUIRE(created.exit_code == 0);
  CHECK(json::parse(created.out)["project"]["name"] == hostile);  // JSON stays exact

  // The table (create's and list's) shows the escapes, never the bytes.
  for (const auto& table : {test::labctl({"projects", "create", hostile + " 2"}, env).out,
                            test::labctl({"projects", "list"}, env).out}) {
    CHECK(table.find('\x1b') == std::string::npos);
    CHECK(table.find('\x07') == std::string::npos);
    CHECK(table.find("\xE2\x80\xAE") == std::string::npos);
  }
  auto table = test::labctl({"projects", "list"}, env).out;
  CHECK(table.find("Acme \\x1b[31mred\\x1b[0m \\x07 \\x1b]8;;http://evil.example\\x1b\\click") != std::string::npos);
  CHECK(table.find("\\u202e") != std::string::npos);
  // An error quoting the value escapes it too.
  auto bad = test::labctl({"projects", "create", "x", "--account-scope-key", std::string(201, '\x1b')}, env);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find('\x1b') == std::string::npos);
}
