#include <doctest/doctest.h>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/metrics.hpp"
#include "labctl/db/database.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "labctl/ops/context.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;

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
