#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;
using json = nlohmann::json;

namespace {

int rows(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  return pqxx::nontransaction(conn).exec1(sql)[0].as<int>();
}

size_t lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE("--help and --version touch nothing: they succeed with an unreachable database") {
  auto env = test::test_env("postgresql://nobody:secret@127.0.0.1:1/none");
  auto help = test::labctl({"--help"}, env);
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("projects") != std::string::npos);
  CHECK(help.err.empty());
  auto version = test::labctl({"--version"}, env);
  CHECK(version.exit_code == 0);
  CHECK(version.out == std::string("labctl ") + LABCTL_VERSION + "\n");
  auto sub = test::labctl({"projects", "create", "--help"}, env);
  CHECK(sub.exit_code == 0);
  CHECK(sub.out.find("Example:\n  labctl projects create") != std::string::npos);
}

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
  CHECK(rows(url, "SELECT count(*) FROM account_scopes WHERE scope_key = 'acme'") == 1);
  CHECK(rows(url, "SELECT count(*) FROM audit_events WHERE action = 'project.create'") == 2);
}

TEST_CASE("bad input: one line on stderr, a documented exit code, nothing written") {
  auto url = test::fresh_database();
  auto env = test::test_env(url);
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  for (const auto& c : std::vector<Case>{
           {{"projects", "create", ""}, 2, "labctl: NAME is required\n"},
           {{"projects", "create", "x"}, 2, "labctl: NAME must be at least 2 characters\n"},
           {{"projects", "create", std::string(161, 'a')}, 2, "labctl: NAME must be at most 160 characters\n"},
           {{"projects", "create", " __LEGACY_scope__ "}, 2, "labctl: project name '__LEGACY_scope__' is reserved\n"},
           {{"projects", "create", "bad \xff utf8"}, 2, "labctl: NAME must be valid UTF-8\n"},
           {{"projects", "show", "42"}, 2, "labctl: ID must be a valid UUID\n"},
           {{"projects", "show", "0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b"}, 3,
            "labctl: project 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b not found\n"},
           {{"serve", "--port", "70000"}, 2, "labctl: --port must be at most 65535\n"},
           {{"serve", "--port", "eighty"}, 2, "labctl: --port must be an integer\n"},
           {{"db", "reset"}, 2, "labctl: db reset drops all data; pass --yes to confirm\n"},
       }) {
    CAPTURE(c.args);
    auto run = test::labctl(c.args, env);
    CHECK(run.exit_code == c.exit_code);
    CHECK(run.err == c.message);
    CHECK(run.out.empty());
  }
  CHECK(rows(url, "SELECT count(*) FROM projects") == 1);  // only the legacy project
  CHECK(rows(url, "SELECT count(*) FROM audit_events") == 0);

  auto as_json = test::labctl({"projects", "create", "", "--output", "json"}, env);
  CHECK(as_json.exit_code == 2);
  auto error = json::parse(as_json.err);
  CHECK(error["error"] == "validation_error");
  CHECK(error["details"][0]["path"] == "name");

  auto usage = test::labctl({"projects", "create", "a", "b", "c"}, env);
  CHECK(usage.exit_code == 2);
  CHECK(lines(usage.err) == 1);
  auto unknown = test::labctl({"projects", "frob"}, env);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err ==
        "labctl: unknown command 'frob' for 'labctl projects' (commands: create, list, show) (see 'labctl --help')\n");
  auto group = test::labctl({"db"}, env);
  CHECK(group.exit_code == 2);
  CHECK(group.err == "labctl: 'labctl db' needs a command: down, migrate, reset, shell, status, up (see 'labctl --help')\n");
  // With -o json, usage errors are JSON like every other error.
  for (std::vector<std::string> args : {std::vector<std::string>{"-o", "json", "db"},
                                        {"projects", "frob", "--output=json"},
                                        {"projects", "list", "--bogus", "-ojson"}}) {
    CAPTURE(args[1]);
    auto r = test::labctl(args, env);
    CHECK(r.exit_code == 2);
    CHECK(lines(r.err) == 1);
    auto e = json::parse(r.err);
    CHECK(e["ok"] == false);
    CHECK(e["error"] == "usage_error");
    CHECK(e["message"].get<std::string>().find("see 'labctl --help'") != std::string::npos);
  }
  CHECK(test::labctl({"projects", "create"}, env).err == "labctl: NAME is required\n");
  CHECK(test::labctl({"projects", "list", "--output", "xml"}, env).exit_code == 2);
}

TEST_CASE("configuration errors name the setting and exit 8") {
  auto env = test::test_env(test::fresh_database());
  auto dir = test::temp_dir("labctl-config");
  std::ofstream(dir / "bad.toml") << "[server]\nprot = 8080\n";
  auto run = test::labctl({"--config", (dir / "bad.toml").string(), "projects", "list"}, env);
  CHECK(run.exit_code == 8);
  CHECK(run.err.find("unknown config key 'server.prot'") != std::string::npos);
  env["LABCTL_OUTPUT"] = "yaml";
  auto bad_output = test::labctl({"projects", "list"}, env);
  CHECK(bad_output.exit_code == 8);
  CHECK(bad_output.err.find("output.format") != std::string::npos);
}

TEST_CASE("config show: every key with its source; secrets never printed") {
  auto env = test::test_env("postgresql://app:hunter2@127.0.0.1:1/labs");
  env["PORT"] = "9191";
  for (const char* format : {"json", "table", "csv", "ndjson"}) {
    auto run = test::labctl({"config", "show", "-o", format}, env);
    CHECK(run.exit_code == 0);
    CHECK(run.out.find("hunter2") == std::string::npos);
    CHECK(run.err.find("hunter2") == std::string::npos);
  }
  auto config = json::parse(test::labctl({"config", "show", "-o", "json"}, env).out)["config"];
  bool seen_port = false;
  for (const auto& row : config)
    if (row["key"] == "server.port") {
      seen_port = true;
      CHECK(row["value"] == "9191");
      CHECK(row["source"] == "env:PORT");
    }
  CHECK(seen_port);
}

TEST_CASE("an unreachable database: exit 7, password redacted") {
  auto env = test::test_env("postgresql://app:hunter2@127.0.0.1:1/labs");
  auto run = test::labctl({"projects", "list"}, env);
  CHECK(run.exit_code == 7);
  CHECK(run.err.find("hunter2") == std::string::npos);
  CHECK(run.err.find("postgresql://app:***@127.0.0.1:1/labs") != std::string::npos);
  auto status = test::labctl({"db", "status", "-o", "json"}, env);
  CHECK(status.exit_code == 7);
  CHECK(status.err.find("hunter2") == std::string::npos);
}

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
  CHECK(rows(url, "SELECT count(*) FROM projects WHERE name = 'Doomed'") == 0);
  CHECK(rows(url, "SELECT count(*) FROM projects WHERE name = '__legacy_scope__'") == 1);
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
  CHECK(test::labctl({"db", "down"}, env).exit_code == 0);
  // db up/down manage only the private cluster.
  auto external = test::labctl({"db", "down"}, test::test_env(test::fresh_database()));
  CHECK(external.exit_code == 2);
}
