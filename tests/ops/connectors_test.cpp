// The connector operations: sources bind, list and unbind; connectors state, errors and the
// dead-letter routes.
#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include "labctl/core/error.hpp"
#include "labctl/domains/connectors/error_queue.hpp"
#include "labctl/domains/connectors/source_bindings.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "support/failed_sync.hpp"
#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"
#include "support/two_projects.hpp"

using namespace labctl;
using namespace labctl::connectors;

using Fixture = test::TwoProjects;

TEST_CASE("labctl sources bind/list/unbind and connectors errors through the CLI") {
  Fixture f;
  auto env = test::test_env(f.url);
  auto bound = test::labctl({"sources", "bind", "chatwoot", "101", "--project", f.p1.id, "-o", "json"}, env);
  REQUIRE_MESSAGE(bound.exit_code == 0, bound.err);
  auto list = nlohmann::json::parse(test::labctl({"sources", "list", "-o", "json"}, env).out)["sources"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["external_id"] == "101");
  auto clash = test::labctl({"sources", "bind", "chatwoot", "101", "--project", f.p2.id}, env);
  CHECK(clash.exit_code == 4);
  CHECK(clash.err.find("already bound to project " + f.p1.id) != std::string::npos);
  auto no_project = test::labctl({"sources", "bind", "chatwoot", "7"}, env);
  CHECK(no_project.exit_code == 4);
  CHECK(no_project.err.find("--project") != std::string::npos);
  CHECK(test::labctl({"sources", "bind", "slack", "7", "--project", f.p1.id}, env).exit_code == 2);

  for (int i = 0; i < 5; ++i) test::fail_linear_once(f.conn, f.p1.id);
  auto dead = test::labctl({"connectors", "errors", "--dead-letter", "--project", f.p1.id, "-o", "json"}, env);
  REQUIRE(dead.exit_code == 0);
  auto errors = nlohmann::json::parse(dead.out)["errors"];
  REQUIRE(errors.size() == 1);
  CHECK(errors[0]["status"] == "dead_letter");
  auto bad_limit = test::labctl({"connectors", "errors", "--limit", "0", "--project", f.p1.id}, env);
  CHECK(bad_limit.exit_code == 2);  // the CLI rejects what HTTP would clamp
  auto unbound = test::labctl({"sources", "unbind", "chatwoot", "--project", f.p1.id, "-o", "json"}, env);
  CHECK(nlohmann::json::parse(unbound.out)["unbound"] == true);
}
