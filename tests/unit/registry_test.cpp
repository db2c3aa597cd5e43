#include <doctest/doctest.h>

#include <set>

#include "labctl/core/error.hpp"
#include "labctl/ops/registry.hpp"

using namespace labctl;
using namespace labctl::ops;

TEST_CASE("every operation has a name, a summary, an example and a front end") {
  std::set<std::string> names;
  for (const auto& op : registry()) {
    CAPTURE(op.name);
    CHECK(names.insert(op.name).second);
    CHECK_FALSE(op.summary.empty());
    CHECK_FALSE(op.example.empty());
    CHECK(static_cast<bool>(op.handler));
    CHECK((!op.cli_path.empty() || !op.routes.empty()));
    if (!op.cli_path.empty()) CHECK(op.example.rfind("labctl " + op.cli_path[0], 0) == 0);
    for (const auto& p : op.params) {
      CAPTURE(p.name);
      CHECK_FALSE(p.help.empty());
      if (p.type == ParamType::choice) CHECK_FALSE(p.choices.empty());
    }
  }
}

TEST_CASE("command paths, routes and flags are unique") {
  std::set<std::vector<std::string>> paths;
  std::set<std::pair<std::string, std::string>> routes;
  std::set<std::string> global_flags;
  for (const auto& g : global_cli_options()) global_flags.insert(cli_flag(g));
  for (const auto& op : registry()) {
    CAPTURE(op.name);
    if (!op.cli_path.empty()) CHECK(paths.insert(op.cli_path).second);
    for (const auto& route : op.routes) {
      CHECK(routes.insert({route.method, route.path}).second);
      CHECK((route.method == "GET" || route.method == "POST"));
      CHECK(op.mutating == (route.method == "POST"));
    }
    std::set<std::string> flags;
    for (const auto& p : op.params) {
      CHECK(flags.insert(cli_flag(p)).second);
      CHECK(global_flags.count(cli_flag(p)) == 0);
    }
  }
}

TEST_CASE("a command path is never both a command and a group") {
  for (const auto& a : registry())
    for (const auto& b : registry())
      if (a.cli_path.size() < b.cli_path.size() && !a.cli_path.empty())
        CHECK_FALSE(std::equal(a.cli_path.begin(), a.cli_path.end(), b.cli_path.begin()));
}

TEST_CASE("the operations of the foundation are declared") {
  for (const char* name : {"version", "health", "metrics", "config.show", "db.up", "db.down", "db.status",
                           "db.migrate", "db.reset", "db.shell", "projects.list", "projects.create",
                           "projects.show", "serve", "completion", "man"})
    CHECK_MESSAGE(find_operation(name) != nullptr, name);
  CHECK(find_operation("projects.create")->routes.at(0).path == "/projects");
  CHECK(find_operation("health")->is_public);
  CHECK(find_operation("metrics")->is_public);
  CHECK_FALSE(find_operation("projects.list")->is_public);
}

TEST_CASE("each error class has one exit code and one HTTP status") {
  CHECK(exit_code(ErrorClass::invalid_params) == 2);
  CHECK(exit_code(ErrorClass::not_found) == 3);
  CHECK(exit_code(ErrorClass::conflict) == 4);
  CHECK(exit_code(ErrorClass::unavailable) == 7);
  CHECK(exit_code(ErrorClass::config) == 8);
  CHECK(http_status(ErrorClass::invalid_params) == 400);
  CHECK(http_status(ErrorClass::payload_too_large) == 413);
  CHECK(http_status(ErrorClass::conflict) == 409);
  CHECK(http_status(ErrorClass::upstream_failed) == 502);
}

TEST_CASE("the request limits of api.md §1.7 are declared on exactly their routes") {
  const std::set<std::pair<std::string, std::string>> expensive = {
      {"POST", "/search"},           {"POST", "/lightrag/query"},      {"POST", "/lightrag/refresh"},
      {"POST", "/jobs/embeddings/run"}, {"POST", "/connectors/sync"}, {"POST", "/jobs/:connector/sync"},
      {"POST", "/connectors/:connector/sync"}};  // the last as costly as /jobs/:connector/sync
  std::set<std::pair<std::string, std::string>> declared;
  for (const auto& op : registry())
    for (const auto& route : op.routes) {
      CAPTURE(route.path);
      CHECK((route.limit == RouteLimit::auth) == (route.path.rfind("/auth/", 0) == 0));
      if (route.limit == RouteLimit::expensive) declared.insert({route.method, route.path});
    }
  CHECK(declared == expensive);
}
