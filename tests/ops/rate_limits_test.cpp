// serve's request limits (api.md §1.7, §8 scenario 23) through a real `labctl serve`: per client
// IP, per IP on /auth/*, per session or key, per IP and expensive route with Retry-After and
// X-RateLimit-* — and a refused request changes nothing.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "support/checks.hpp"
#include "support/labctl_process.hpp"
#include "support/two_projects.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::body_of;

namespace {

// The test environment, with the limits of api.md §1.7 (test_env raises them for other tests).
std::map<std::string, std::string> limited_env(const std::string& url, std::map<std::string, std::string> extra = {}) {
  auto env = test::test_env(url);
  for (const char* key : {"RATE_LIMIT_IP_PER_MINUTE", "RATE_LIMIT_AUTH_PER_MINUTE", "RATE_LIMIT_SESSION_PER_MINUTE",
                          "RATE_LIMIT_EXPENSIVE_PER_MINUTE"})
    env.erase(key);
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

long long count(pqxx::connection& conn, const std::string& sql) {
  return pqxx::nontransaction(conn).exec1(sql)[0].as<long long>();
}

}  // namespace

TEST_CASE_FIXTURE(test::TwoProjects, "rate limits: the 11th expensive POST in a minute is refused and runs nothing") {
  test::Server server(limited_env(url));
  auto c = server.session(p1.id);
  auto query = [](int i) { return json{{"query", "invoice " + std::to_string(i)}}.dump(); };  // none cached
  for (int i = 1; i <= 10; ++i) {
    auto r = c.Post("/lightrag/query", query(i), "application/json");
    REQUIRE(r->status == 200);
    CHECK(r->get_header_value("X-RateLimit-Limit") == "10");
    CHECK(r->get_header_value("X-RateLimit-Remaining") == std::to_string(10 - i));
  }
  auto refused = c.Post("/lightrag/query", query(11), "application/json");
  CHECK(refused->status == 429);
  CHECK(body_of(refused)["error"] == "rate_limit_exceeded");
  long long retry = std::stoll(refused->get_header_value("Retry-After"));
  CHECK(retry >= 1);
  CHECK(retry <= 60);
  CHECK(refused->get_header_value("X-RateLimit-Remaining") == "0");
  test::check_security_headers(*refused);
  CHECK(count(conn, "SELECT count(*) FROM lightrag_query_runs") == 10);
  // Each expensive route counts on its own; invalid requests count too.
  for (int i = 0; i < 10; ++i) CHECK(c.Post("/search", json{{"query", ""}}.dump(), "application/json")->status == 400);
  CHECK(c.Post("/search", json{{"query", "x"}}.dump(), "application/json")->status == 429);
  // So does a sync: refused before anything is recorded.
  for (int i = 0; i < 10; ++i) c.Post("/connectors/sync", "{}", "application/json");
  long long runs = count(conn, "SELECT count(*) FROM job_runs") + count(conn, "SELECT count(*) FROM audit_events");
  CHECK(body_of(c.Post("/connectors/sync", "{}", "application/json"))["error"] == "rate_limit_exceeded");
  CHECK(count(conn, "SELECT count(*) FROM job_runs") + count(conn, "SELECT count(*) FROM audit_events") == runs);
  // Cheap routes carry no X-RateLimit headers.
  CHECK_FALSE(c.Get("/projects")->has_header("X-RateLimit-Limit"));
}

TEST_CASE_FIXTURE(test::TwoProjects, "rate limits: per client IP on protected routes and on /auth/*, public routes free") {
  test::Server server(limited_env(url));
  auto c = server.client();
  for (int i = 0; i < 100; ++i) REQUIRE(c.Get("/health")->status == 200);  // public: never limited
  for (int i = 0; i < 60; ++i) REQUIRE(c.Get("/projects")->status == 401);  // strangers count too
  auto refused = c.Get("/projects");
  CHECK(refused->status == 429);
  CHECK(body_of(refused)["error"] == "rate_limited");
  CHECK(refused->has_header("Retry-After"));
  CHECK(c.Get("/v1/no-such-route")->status == 429);  // unknown paths share the limit
  // /auth/* has its own limit of 30, public routes included.
  for (int i = 0; i < 30; ++i) REQUIRE(c.Get("/auth/me")->status == 200);
  auto auth = c.Get("/auth/signup/status");
  CHECK(auth->status == 429);
  CHECK(body_of(auth)["error"] == "rate_limited");
  CHECK(c.Get("/health")->status == 200);
}

TEST_CASE_FIXTURE(test::TwoProjects, "rate limits: per session and per API key, each on its own") {
  test::Server server(limited_env(url, {{"RATE_LIMIT_SESSION_PER_MINUTE", "5"}, {"RATE_LIMIT_IP_PER_MINUTE", "1000"}}));
  auto owner = server.session(p1.id);  // selecting the project is its first request
  for (int i = 0; i < 4; ++i) REQUIRE(owner.Get("/projects")->status == 200);
  CHECK(body_of(owner.Get("/projects"))["error"] == "rate_limited");
  auto other = server.session(p1.id);  // another session of the same user, same IP: its own count
  CHECK(other.Get("/projects")->status == 200);

  auto key = test::labctl({"api-keys", "create", "ci", "--project", p1.id, "--scopes", "read", "-o", "json"},
                          test::test_env(url));
  REQUIRE(key.exit_code == 0);
  auto c = server.client();
  httplib::Headers with_key = {{"X-API-Key", json::parse(key.out)["created"]["key"].get<std::string>()}};
  for (int i = 0; i < 5; ++i) REQUIRE(c.Get("/projects", with_key)->status == 200);
  CHECK(c.Get("/projects", with_key)->status == 429);
}
