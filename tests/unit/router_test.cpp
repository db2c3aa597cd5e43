#include <doctest/doctest.h>

#include "labctl/http/router.hpp"

using namespace labctl;

TEST_CASE("routes match by method and template, capturing path parameters") {
  std::vector<ops::Operation> ops_list = {
      {.name = "a", .routes = {{.method = "GET", .path = "/projects"}}},
      {.name = "b", .routes = {{.method = "POST", .path = "/projects"}, {.method = "POST", .path = "/projects/new"}}},
      {.name = "c", .routes = {{.method = "POST", .path = "/projects/:id/select"}}},
      {.name = "cli-only", .cli_path = {"x"}},
  };
  http::Router router(ops_list);
  CHECK(router.match("GET", "/projects")->op->name == "a");
  CHECK(router.match("POST", "/projects")->op->name == "b");
  auto m = router.match("POST", "/projects/abc/select");
  REQUIRE(m);
  CHECK(m->op->name == "c");
  CHECK(m->path_params.at("id") == "abc");
  CHECK_FALSE(router.match("GET", "/projects/abc/select"));
  CHECK_FALSE(router.match("DELETE", "/projects"));
  CHECK_FALSE(router.match("GET", "/nope"));
  CHECK(router.match("GET", "/projects/")->op->name == "a");
  auto second = router.match("POST", "/projects/new");
  REQUIRE(second);
  CHECK(second->op->name == "b");
  CHECK(second->route->path == "/projects/new");
}

TEST_CASE("HEAD matches the GET routes, and only those") {
  std::vector<ops::Operation> ops_list = {{.name = "health", .routes = {{.method = "GET", .path = "/health"}}},
                                          {.name = "create", .routes = {{.method = "POST", .path = "/things"}}}};
  http::Router router(ops_list);
  CHECK(router.match("HEAD", "/health")->op->name == "health");
  CHECK_FALSE(router.match("HEAD", "/things"));
}

TEST_CASE("/v1 and /api prefixes are aliases") {
  CHECK(http::strip_version_prefix("/v1/health") == std::pair<std::string, std::string>{"/v1", "/health"});
  CHECK(http::strip_version_prefix("/api/projects") == std::pair<std::string, std::string>{"/api", "/projects"});
  CHECK(http::strip_version_prefix("/v1") == std::pair<std::string, std::string>{"/v1", "/"});
  CHECK(http::strip_version_prefix("/v10/x") == std::pair<std::string, std::string>{"", "/v10/x"});
  CHECK(http::strip_version_prefix("/health") == std::pair<std::string, std::string>{"", "/health"});
}
