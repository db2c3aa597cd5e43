#include <doctest/doctest.h>

#include <pqxx/pqxx>
#include <regex>

#include "labctl/core/ids.hpp"
#include "labctl/ops/registry.hpp"
#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;
using json = nlohmann::json;

namespace {

json body_of(const httplib::Result& r) {
  REQUIRE(r);
  return json::parse(r->body);
}

void check_security_headers(const httplib::Response& r) {
  CHECK(r.get_header_value("X-Frame-Options") == "DENY");
  CHECK(r.get_header_value("X-Content-Type-Options") == "nosniff");
  CHECK(r.get_header_value("Referrer-Policy") == "strict-origin-when-cross-origin");
  CHECK(r.get_header_value("Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(r.get_header_value("Access-Control-Allow-Credentials") == "true");
  CHECK_FALSE(r.get_header_value("Content-Security-Policy").empty());
  CHECK_FALSE(r.has_header("Strict-Transport-Security"));
}

int projects_named(const std::string& url, const std::string& name) {
  pqxx::connection conn(url);
  return pqxx::nontransaction(conn).exec_params1("SELECT count(*) FROM projects WHERE name = $1", name)[0].as<int>();
}

}  // namespace

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
  auto client = server.client();

  auto missing = client.Get("/no/such/route");
  CHECK(missing->status == 404);
  CHECK(body_of(missing)["error"] == "not_found");
  check_security_headers(*missing);
  CHECK(client.Delete("/projects")->status == 404);

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

TEST_CASE("serve: POST /projects and GET /projects go through the same handlers as the CLI") {
  auto url = test::fresh_database();
  auto env = test::test_env(url);
  test::Server server(env);
  auto client = server.client();
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

TEST_CASE("serve: CORS preflight and metrics") {
  test::Server server(test::test_env(test::fresh_database()));
  auto client = server.client();
  auto preflight = client.Options("/projects", {{"Origin", "http://localhost:3000"}});
  CHECK(preflight->status == 204);
  CHECK(preflight->get_header_value("Access-Control-Allow-Headers").find("x-csrf-token") != std::string::npos);
  CHECK(preflight->get_header_value("Access-Control-Allow-Origin") == "http://localhost:3000");

  client.Get("/health");
  client.Get("/nope");
  auto metrics = client.Get("/metrics");
  CHECK(metrics->status == 200);
  CHECK(metrics->get_header_value("Content-Type") == "text/plain; version=0.0.4");
  const auto& text = metrics->body;
  for (const char* name : {"# TYPE app_requests_total counter", "app_db_pool_total", "# TYPE app_cache_enabled gauge",
                           "app_process_uptime_seconds", "app_response_status_total{status=\"200\"}",
                           "app_response_status_total{status=\"404\"}", "app_route_requests_total{route=\"/health\"} 1",
                           "app_route_requests_total{route=\"__unknown__\"}", "app_process_rss_bytes"})
    CHECK_MESSAGE(text.find(name) != std::string::npos, name);
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex("\napp_requests_total (\\d+)\n")));
  CHECK(std::stoi(m[1]) >= 3);
}

TEST_CASE("every HTTP operation in the registry answers with the envelope") {
  test::Server server(test::test_env(test::fresh_database()));
  auto client = server.client();
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
