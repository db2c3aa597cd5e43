// The database operations: db status, migrate, reset, up and down.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <unistd.h>

#include "labctl/db/migrator.hpp"
#include "support/checks.hpp"
#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::body_of;
using test::check_security_headers;
using test::lines;
namespace fs = std::filesystem;

namespace {

long long count(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn);
  return tx.exec1(sql)[0].as<long long>();
}

}  // namespace

TEST_CASE("db status names the database and whether migrations are current") {
  auto url = test::fresh_database();
  auto run = test::labctl({"db", "status", "--output", "json"}, test::test_env(url));
  REQUIRE(run.exit_code == 0);
  auto status = json::parse(run.out);
  CHECK(status["database_url"] == url);
  CHECK(status["embedded"] == false);
  CHECK(status["migrations_current"] == true);
  CHECK(status["pending"].empty());

  auto empty = test::empty_database();
  auto behind = json::parse(test::labctl({"db", "status", "-o", "json"}, test::test_env(empty)).out);
  CHECK(behind["migrations_current"] == false);
  CHECK(behind["pending"].size() == behind["migrations_total"].get<size_t>());
  // Commands that need the schema refuse an external database that is behind.
  auto refused = test::labctl({"projects", "list"}, test::test_env(empty));
  CHECK(refused.exit_code == 7);
  CHECK(refused.err.find("labctl db migrate") != std::string::npos);
}

TEST_CASE("db reset --yes drops the data and migrates again") {
  auto url = test::fresh_database();
  auto env = test::test_env(url);
  REQUIRE(test::labctl({"projects", "create", "Doomed"}, env).exit_code == 0);
  auto reset = test::labctl({"db", "reset", "--yes", "-o", "json"}, env);
  REQUIRE(reset.exit_code == 0);
  CHECK_FALSE(json::parse(reset.out)["applied"].empty());
  CHECK(test::query_value(url, "SELECT count(*) FROM projects WHERE name = 'Doomed'") == 0);
  CHECK(test::query_value(url, "SELECT count(*) FROM projects WHERE name = '__legacy_scope__'") == 1);
}

TEST_CASE("the private cluster: db up creates and migrates it, status reports it, db down stops it") {
  auto env = test::test_env("");
  env["XDG_DATA_HOME"] = test::temp_dir("labctl-xdg").string();
  auto up = test::labctl({"db", "up", "-o", "json"}, env);
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  auto result = json::parse(up.out);
  CHECK(result["started"] == true);
  CHECK(result["database_url"].get<std::string>().find(env["XDG_DATA_HOME"] + "/labctl/pg/run") != std::string::npos);
  CHECK_FALSE(result["applied"].empty());

  CHECK(json::parse(test::labctl({"db", "up", "-o", "json"}, env).out)["started"] == false);
  auto created = test::labctl({"projects", "create", "Embedded"}, env);
  CHECK(created.exit_code == 0);
  auto status = json::parse(test::labctl({"db", "status", "-o", "json"}, env).out);
  CHECK(status["embedded"] == true);
  CHECK(status["running"] == true);
  CHECK(status["migrations_current"] == true);

  auto down = test::labctl({"db", "down", "-o", "json"}, env);
  CHECK(json::parse(down.out)["stopped"] == true);
  CHECK(json::parse(test::labctl({"db", "status", "-o", "json"}, env).out)["running"] == false);
  // First use starts it again, with the data kept.
  auto list = test::labctl({"projects", "list", "-o", "json"}, env);
  REQUIRE(list.exit_code == 0);
  CHECK(json::parse(list.out)["projects"][0]["name"] == "Embedded");

  // serve: a restart of the database costs no request a 503 (idle connections are checked before
  // use); a cluster stopped by `db down` stays down (503, the database's whereabouts kept to the log)
  // until `db up`.
  {
    test::Server server(env);
    auto http = server.session();
    CHECK(http.Get("/projects")->status == 200);
    auto data = fs::path(env["XDG_DATA_HOME"]) / "labctl" / "pg" / "data";
    std::string restart = "pg_ctl -D " + data.string() + " -m fast -w restart -l " +
                          (data.parent_path() / "server.log").string() + " > /dev/null";
    if (geteuid() == 0) restart = "su postgres -c '" + restart + "'";
    REQUIRE(std::system(("PATH=/usr/lib/postgresql/15/bin:$PATH " + restart).c_str()) == 0);
    for (int i = 0; i < 3; ++i) CHECK(http.Get("/projects")->status == 200);
    CHECK(test::labctl({"db", "down"}, env).exit_code == 0);
    auto refused = http.Get("/projects");
    REQUIRE(refused);
    CHECK(refused->status == 503);
    CHECK(json::parse(refused->body)["message"] == "database unavailable");
    CHECK(refused->body.find("/labctl/pg") == std::string::npos);
    CHECK(json::parse(test::labctl({"db", "status", "-o", "json"}, env).out)["running"] == false);  // still down
    CHECK(test::labctl({"db", "up"}, env).exit_code == 0);
    CHECK(http.Get("/projects")->status == 200);
  }
  CHECK(test::labctl({"db", "down"}, env).exit_code == 0);
  // db up/down manage only the private cluster.
  auto external = test::labctl({"db", "down"}, test::test_env(test::fresh_database()));
  CHECK(external.exit_code == 2);
}

TEST_CASE("labctl db migrate: dry run, idempotent second run, edited file refused") {
  auto url = test::empty_database();
  auto env = test::test_env(url);
  auto dir = test::temp_dir("labctl-migrations");
  for (const auto& m : db::embedded_migrations()) std::ofstream(dir / m.filename) << m.sql;
  env["LABCTL_MIGRATIONS_DIR"] = dir.string();

  auto dry = test::labctl({"db", "migrate", "--dry-run", "-o", "json"}, env);
  REQUIRE(dry.exit_code == 0);
  CHECK(nlohmann::json::parse(dry.out)["applied"].size() == db::embedded_migrations().size());
  pqxx::connection conn(url);
  CHECK(count(conn, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0);

  auto first = test::labctl({"db", "migrate", "-o", "json"}, env);
  REQUIRE(first.exit_code == 0);
  CHECK(nlohmann::json::parse(first.out)["applied"].size() == db::embedded_migrations().size());

  auto second = test::labctl({"db", "migrate"}, env);
  CHECK(second.exit_code == 0);
  CHECK(second.out.find("nothing to apply") != std::string::npos);

  auto first_file = db::embedded_migrations().front().filename;
  std::ofstream(dir / first_file, std::ios::app) << "\n-- an edit\n";
  std::ofstream(dir / "9999_new.sql") << "CREATE TABLE later_table (id int);\n";
  auto edited = test::labctl({"db", "migrate"}, env);
  CHECK(edited.exit_code == 4);
  CHECK(edited.err.find(first_file) != std::string::npos);
  CHECK(edited.err.find("edited after it was applied") != std::string::npos);
  CHECK(std::count(edited.err.begin(), edited.err.end(), '\n') == 1);
  CHECK(count(conn, "SELECT count(*) FROM pg_tables WHERE tablename = 'later_table'") == 0);
}

TEST_CASE("a failing migration is rolled back whole and stops the run") {
  auto url = test::empty_database();
  auto env = test::test_env(url);
  auto dir = test::temp_dir("labctl-migrations");
  std::ofstream(dir / "0001_ok.sql") << "CREATE TABLE one (id int);\n";
  std::ofstream(dir / "0002_bad.sql") << "CREATE TABLE two (id int);\nSELECT no_such_function();\n";
  std::ofstream(dir / "0003_after.sql") << "CREATE TABLE three (id int);\n";
  env["LABCTL_MIGRATIONS_DIR"] = dir.string();
  auto run = test::labctl({"db", "migrate"}, env);
  CHECK(run.exit_code == 4);  // the database refused the file: not a bug of labctl's (exit 1)
  CHECK(run.err.find("migration 0002_bad.sql failed (SQLSTATE 42883)") != std::string::npos);
  CHECK(run.err.find("nothing of it was applied") != std::string::npos);
  pqxx::connection conn(url);
  CHECK(count(conn, "SELECT count(*) FROM pg_tables WHERE tablename IN ('one', 'two', 'three')") == 1);
  CHECK(count(conn, "SELECT count(*) FROM schema_migrations") == 1);
}

TEST_CASE("db status reports applied migrations that no file accounts for") {
  auto url = test::empty_database();
  auto env = test::test_env(url);
  auto dir = test::temp_dir("labctl-migrations-drift");
  std::ofstream(dir / "0001_a.sql") << "CREATE TABLE a (id int);\n";
  std::ofstream(dir / "0002_b.sql") << "CREATE TABLE b (id int);\n";
  env["LABCTL_MIGRATIONS_DIR"] = dir.string();
  REQUIRE(test::labctl({"db", "migrate"}, env).exit_code == 0);
  fs::remove(dir / "0002_b.sql");  // a directory that lost a file (or an older labctl)
  auto status = json::parse(test::labctl({"db", "status", "-o", "json"}, env).out);
  CHECK(status["pending"].empty());
  CHECK(status["applied_without_file"] == json::array({"0002_b.sql"}));
  CHECK(status["migrations_current"] == false);
}
