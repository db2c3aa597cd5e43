// The system operations and what every command shares: --help and --version, errors and exit
// codes, configuration, config show; `serve`'s envelope, headers, CORS and metrics; the
// generated completions and man pages.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <sstream>

#include "labctl/core/ids.hpp"
#include "labctl/ops/registry.hpp"
#include "support/checks.hpp"
#include "support/child_process.hpp"
#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::body_of;
using test::check_security_headers;
using test::lines;
namespace fs = std::filesystem;

namespace {

int projects_named(const std::string& url, const std::string& name) {
  pqxx::connection conn(url);
  return pqxx::nontransaction(conn).exec_params1("SELECT count(*) FROM projects WHERE name = $1", name)[0].as<int>();
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const fs::path kSource = LABCTL_SOURCE_DIR;
constexpr const char* kRegenerate = "stale: run 'make docs' and commit completions/ and man/";

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
  CHECK(test::query_value(url, "SELECT count(*) FROM projects") == 1);  // only the legacy project
  CHECK(test::query_value(url, "SELECT count(*) FROM audit_events") == 0);

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
  // A directory is not a config file.
  auto as_dir = test::labctl({"--config", dir.string(), "projects", "list"}, env);
  CHECK(as_dir.exit_code == 8);
  CHECK(as_dir.err == "labctl: config file " + dir.string() + " is not a file\n");
  // A bad value from the file or the environment names the key and where it came from.
  std::ofstream(dir / "port.toml") << "[server]\nport = -5\n";
  auto port = test::labctl({"--config", (dir / "port.toml").string(), "serve"}, env);
  CHECK(port.exit_code == 8);
  CHECK(port.err == "labctl: config key 'server.port' (file:" + (dir / "port.toml").string() +
                        ") must be at least 0, got '-5'\n");
  auto chunk = env;
  chunk["CHUNK_SIZE"] = "abc";
  auto bad_chunk = test::labctl({"sync", "chatwoot", "--project", "0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b"}, chunk);
  CHECK(bad_chunk.exit_code == 8);
  CHECK(bad_chunk.err.find("config key 'rag.chunk_size' (env:CHUNK_SIZE) must be an integer, got 'abc'") !=
        std::string::npos);
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

TEST_CASE("serve: health, the envelope, request ids and security headers") {
  test::Server server(test::test_env(test::fresh_database()));
  auto client = server.client();
  for (const char* path : {"/health", "/v1/health", "/api/health"}) {
    CAPTURE(path);
    auto r = client.Get(path);
    REQUIRE(r);
    CHECK(r->status == 200);
    auto body = json::parse(r->body);
    CHECK(body["ok"] == true);
    CHECK(body["service"] == "server");
    CHECK(body["request_id"] == r->get_header_value("x-request-id"));
    CHECK(is_uuid(body["request_id"].get<std::string>()));
    check_security_headers(*r);
  }
  auto tagged = client.Get("/health", {{"X-Request-Id", "ab<c>/d 1"}});
  CHECK(body_of(tagged)["request_id"] == "abcd1");
  CHECK(tagged->get_header_value("x-request-id") == "abcd1");

  auto deep = client.Get("/health?deep=true");
  CHECK(body_of(deep)["database"]["ok"] == true);
  CHECK(server.stop() == 0);
}

TEST_CASE("serve: errors are envelopes with the right status, and change nothing") {
  auto url = test::fresh_database();
  test::Server server(test::test_env(url));
  auto client = server.session();

  auto stranger = server.client().Get("/no/such/route");  // authentication comes first (api.md §1.1)
  CHECK(stranger->status == 401);
  CHECK(body_of(stranger)["error"] == "unauthorized");
  auto missing = client.Get("/no/such/route");
  CHECK(missing->status == 404);
  CHECK(body_of(missing)["error"] == "not_found");
  check_security_headers(*missing);
  CHECK(client.Delete("/projects")->status == 404);
  auto no_route = client.Delete("/notifications/1");  // api.md §8 scenario 39
  CHECK(no_route->status == 404);
  CHECK(body_of(no_route)["error"] == "not_found");

  auto empty_name = client.Post("/projects", R"({"name":""})", "application/json");
  CHECK(empty_name->status == 400);
  auto e = body_of(empty_name);
  CHECK(e["ok"] == false);
  CHECK(e["error"] == "validation_error");
  CHECK(e["message"] == "name is required");
  CHECK(e["details"][0]["path"] == "name");
  CHECK(e["request_id"] == empty_name->get_header_value("x-request-id"));

  auto reserved = client.Post("/projects", R"({"name":"__legacy_scope__"})", "application/json");
  CHECK(reserved->status == 400);
  CHECK(body_of(reserved)["error"] == "reserved_name");

  auto malformed = client.Post("/projects", R"({"name": "Broken)", "application/json");
  CHECK(malformed->status == 400);
  CHECK(body_of(malformed)["error"] == "invalid_json");

  auto big = client.Post("/projects", "{\"name\":\"" + std::string(65537, 'a') + "\"}", "application/json");
  CHECK(big->status == 413);
  CHECK(body_of(big)["error"] == "payload_too_large");
  check_security_headers(*big);

  auto empty_body = client.Post("/projects", "", "application/json");
  CHECK(empty_body->status == 400);
  CHECK(body_of(empty_body)["details"][0]["path"] == "name");

  auto not_object = client.Post("/projects", "[1,2]", "application/json");
  CHECK(not_object->status == 400);
  CHECK(body_of(not_object)["error"] == "validation_error");

  CHECK(projects_named(url, "Broken") == 0);
  pqxx::connection conn(url);
  CHECK(pqxx::nontransaction(conn).exec1("SELECT count(*) FROM projects")[0].as<int>() == 1);
}

TEST_CASE("serve: CORS preflight and metrics") {
  test::Server server(test::test_env(test::fresh_database()));
  auto client = server.client();
  auto preflight = client.Options("/projects", {{"Origin", "http://localhost:3000"}});
  CHECK(preflight->status == 204);
  CHECK(preflight->get_header_value("Access-Control-Allow-Headers").find("x-csrf-token") != std::string::npos);
  CHECK(preflight->get_header_value("Access-Control-Allow-Origin") == "http://localhost:3000");

  client.Get("/health");
  client.Get("/nope");  // 401: a stranger learns nothing of which paths exist
  auto metrics = client.Get("/metrics");
  CHECK(metrics->status == 200);
  CHECK(metrics->get_header_value("Content-Type") == "text/plain; version=0.0.4");
  const auto& text = metrics->body;
  for (const char* name : {"# TYPE app_requests_total counter", "app_db_pool_total", "# TYPE app_cache_enabled gauge",
                           "app_process_uptime_seconds", "app_response_status_total{status=\"200\"}",
                           "app_response_status_total{status=\"401\"}", "app_route_requests_total{route=\"/health\"} 1",
                           "app_route_requests_total{route=\"__unknown__\"}", "app_process_rss_bytes"})
    CHECK_MESSAGE(text.find(name) != std::string::npos, name);
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex("\napp_requests_total (\\d+)\n")));
  CHECK(std::stoi(m[1]) >= 3);
  // Latency histograms per route template and status class: cumulative buckets, +Inf = count.
  CHECK(text.find("# TYPE app_http_request_duration_seconds histogram\n") != std::string::npos);
  CHECK(text.find("app_http_request_duration_seconds_count{route=\"__unknown__\",status_class=\"4xx\"} 1\n") !=
        std::string::npos);
  const std::string health = "app_http_request_duration_seconds_bucket{route=\"/health\",status_class=\"2xx\",le=\"";
  std::vector<double> counts;
  for (size_t at = text.find(health); at != std::string::npos; at = text.find(health, at + 1))
    counts.push_back(std::stod(text.substr(text.find("} ", at) + 2)));
  REQUIRE(counts.size() == 15);
  CHECK(std::is_sorted(counts.begin(), counts.end()));
  CHECK(counts.back() == 1);
  CHECK(text.find(health + "+Inf\"} 1\n") != std::string::npos);
}

TEST_CASE("every HTTP operation in the registry answers with the envelope") {
  test::Server server(test::test_env(test::fresh_database()));
  auto client = server.session();
  for (const auto& op : ops::registry())
    for (const auto& route : op.routes) {
    CAPTURE(op.name);
    std::string path = std::regex_replace(route.path, std::regex(":[a-z_]+"), random_uuid_v4());
    auto r = route.method == "GET" ? client.Get(path) : client.Post(path, "{}", "application/json");
    REQUIRE(r);
    CHECK(r->status < 500);
    CHECK_FALSE(r->get_header_value("x-request-id").empty());
    if (!op.text.empty()) {
      CHECK(r->get_header_value("Content-Type").rfind("text/plain", 0) == 0);
      continue;
    }
    auto body = json::parse(r->body);
    CHECK(body["ok"].is_boolean());
    CHECK(body["request_id"] == r->get_header_value("x-request-id"));
    if (body["ok"] == false) CHECK(body["error"].is_string());
    }
}

TEST_CASE("committed completions match the registry") {
  auto env = test::test_env("");
  for (const auto& [shell, file] : std::vector<std::pair<std::string, std::string>>{
           {"bash", "labctl.bash"}, {"zsh", "_labctl"}, {"fish", "labctl.fish"}}) {
    CAPTURE(shell);
    auto run = test::labctl({"completion", shell}, env);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find("db") != std::string::npos);
    CHECK_MESSAGE(run.out == read_file(kSource / "completions" / file), kRegenerate);
  }
}

TEST_CASE("the bash completion completes commands and flags") {
  auto script = test::temp_dir("labctl-bash") / "complete.sh";
  std::ofstream(script) << read_file(kSource / "completions/labctl.bash")
                        << "COMP_WORDS=(labctl db mi); COMP_CWORD=2; _labctl; echo \"${COMPREPLY[*]}\"\n"
                        << "COMP_WORDS=(labctl projects list --out); COMP_CWORD=3; _labctl; echo \"${COMPREPLY[*]}\"\n"
                        << "COMP_WORDS=(labctl projects list -o c); COMP_CWORD=4; _labctl; echo \"${COMPREPLY[*]}\"\n";
  std::string cmd = "bash " + script.string() + " > " + script.string() + ".out 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(read_file(script.string() + ".out") == "migrate\n--output\ncsv\n");
}

TEST_CASE("committed man pages match the registry") {
  auto dir = test::temp_dir("labctl-man");
  // A file where the directory should be is the caller's mistake (exit 2), not labctl's (exit 1).
  auto not_dir = test::temp_dir("labctl-man-file") / "a-file";
  std::ofstream(not_dir) << "x";
  auto refused = test::labctl({"man", "--dir", not_dir.string()}, test::test_env(""));
  CHECK(refused.exit_code == 2);
  CHECK(refused.err == "labctl: --dir " + not_dir.string() + " is not a directory\n");
  auto run = test::labctl({"man", "--dir", dir.string()}, test::test_env(""));
  REQUIRE(run.exit_code == 0);
  size_t pages = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++pages;
    CAPTURE(e.path().filename());
    CHECK_MESSAGE(read_file(e.path()) == read_file(kSource / "man" / e.path().filename()), kRegenerate);
  }
  size_t committed = 0;
  for (const auto& e : fs::directory_iterator(kSource / "man")) committed += e.path().extension() == ".1";
  CHECK(pages == committed);
  CHECK(read_file(dir / "labctl.1").find(".SH EXIT STATUS") != std::string::npos);
  CHECK(read_file(dir / "labctl-db-migrate.1").find("\\-\\-dry\\-run") != std::string::npos);
}

TEST_CASE("an unknown --project is exit 3 for commands where it is optional too; a closed stdout is not success") {
  auto env = test::test_env(test::fresh_database());
  for (std::vector<std::string> args : {std::vector<std::string>{"usage"}, {"sources", "list"}}) {
    CAPTURE(args[0]);
    args.insert(args.end(), {"--project", "0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b"});
    auto run = test::labctl(args, env);
    CHECK(run.exit_code == 3);
    CHECK(run.err == "labctl: project 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b not found\n");
    CHECK(run.out.empty());
  }
  // `labctl projects list >&-`: the answer cannot be written, so the command did not succeed.
  auto err_path = test::temp_dir("labctl-closed-stdout") / "err";
  int err = open(err_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  pid_t pid = test::spawn(LABCTL_BINARY, {"projects", "list"}, env, -1, err);
  close(err);
  CHECK(test::wait_exit(pid) == 2);
  CHECK(test::slurp(err_path.string()) ==
        "labctl: standard output is closed; redirect it to /dev/null to discard the answer\n");
}
