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

namespace {

using Fixture = test::TwoProjects;

long long delay_seconds(pqxx::connection& conn, long long id) {
  pqxx::nontransaction tx(conn);
  return tx.exec_params1("SELECT round(extract(epoch FROM next_retry_at - updated_at)) FROM connector_errors WHERE id = $1",
                         id)[0].as<long long>();
}

}  // namespace

TEST_CASE("consecutive failures share one row: pending, retrying ×3, dead letter; then a new row") {
  Fixture f;
  std::vector<std::pair<std::string, long long>> seen;
  long long first_id = 0;
  for (int i = 1; i <= 5; ++i) {
    auto r = test::fail_linear_once(f.conn, f.p1.id);
    if (i == 1) first_id = r.id;
    CHECK(r.id == first_id);
    CHECK(r.attempt == i);
    seen.push_back({r.status, delay_seconds(f.conn, r.id)});
  }
  CHECK(seen[0] == std::pair<std::string, long long>{"pending", 30});
  CHECK(seen[1] == std::pair<std::string, long long>{"retrying", 60});
  CHECK(seen[2] == std::pair<std::string, long long>{"retrying", 120});
  CHECK(seen[3] == std::pair<std::string, long long>{"retrying", 240});
  CHECK(seen[4].first == "dead_letter");

  auto sixth = test::fail_linear_once(f.conn, f.p1.id);
  CHECK(sixth.id != first_id);
  CHECK(sixth.attempt == 1);
  CHECK(sixth.status == "pending");

  auto dead = list_errors(f.conn, f.p1.id, std::string("dead_letter"), 50);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0]["error_message"] == "Linear GraphQL failed (503)");
  CHECK(list_errors(f.conn, f.p2.id, std::nullopt, 50).empty());  // isolation
}

TEST_CASE("a success resolves every open row; due errors come oldest first") {
  Fixture f;
  test::fail_linear_once(f.conn, f.p1.id);
  CHECK(due_errors(f.conn, f.p1.id, 10).empty());  // due in 30 s
  {
    pqxx::work tx(f.conn);
    tx.exec("UPDATE connector_errors SET next_retry_at = now() - interval '1 minute'");
    tx.commit();
  }
  auto due = due_errors(f.conn, f.p1.id, 10);
  REQUIRE(due.size() == 1);
  CHECK(due[0].connector == "linear");
  pqxx::work tx(f.conn);
  CHECK(resolve_open(tx, f.p1.id, "linear") == 1);
  CHECK(resolve_open(tx, f.p1.id, "linear") == 0);
  tx.commit();
  CHECK(list_errors(f.conn, f.p1.id, std::string("resolved"), 10).size() == 1);
}

TEST_CASE("dead-letter retry: back to pending with attempt 0; anything else is not found or a conflict") {
  Fixture f;
  Registered r{};
  for (int i = 0; i < 5; ++i) r = test::fail_linear_once(f.conn, f.p1.id);
  REQUIRE(r.status == "dead_letter");

  CHECK_THROWS_WITH_AS(retry_dead_letter(f.conn, f.p2.id, r.id), doctest::Contains("no dead-letter error"), Error);
  CHECK_THROWS_WITH_AS(retry_dead_letter(f.conn, f.p1.id, r.id + 100), doctest::Contains("no dead-letter error"), Error);

  auto open = test::fail_linear_once(f.conn, f.p1.id);  // a new open row with the same key
  try {
    retry_dead_letter(f.conn, f.p1.id, r.id);
    FAIL("expected a conflict");
  } catch (const Error& e) {
    CHECK(e.error_class() == ErrorClass::conflict);
  }
  {
    pqxx::work tx(f.conn);
    resolve_by_id(tx, f.p1.id, open.id);
    tx.commit();
  }
  auto retried = retry_dead_letter(f.conn, f.p1.id, r.id);
  CHECK(retried["status"] == "pending");
  CHECK(retried["attempt"] == 0);
  CHECK(due_errors(f.conn, f.p1.id, 10).size() == 1);
}

TEST_CASE("source bindings: bind is idempotent; each side binds once; resolve bootstraps from the fallback") {
  Fixture f;
  auto b = bind_source(f.conn, f.p1.id, "chatwoot", "101");
  CHECK(b.source_kind == "chatwoot_account");
  CHECK(bind_source(f.conn, f.p1.id, "chatwoot", "101").id == b.id);
  try {
    bind_source(f.conn, f.p2.id, "chatwoot", "101");
    FAIL("expected a conflict");
  } catch (const Error& e) {
    CHECK(e.code() == "chatwoot_source_external_id_already_bound_to_another_project");
    CHECK(e.error_class() == ErrorClass::conflict);
  }
  CHECK_THROWS_WITH_AS(bind_source(f.conn, f.p1.id, "chatwoot", "102"), doctest::Contains("unbind it first"), Error);
  CHECK_THROWS_AS(bind_source(f.conn, f.p1.id, "slack", "1"), Error);

  pqxx::work tx(f.conn);
  CHECK(resolve_binding(tx, f.p1.id, "chatwoot", std::nullopt) == "101");
  CHECK(resolve_binding(tx, f.p2.id, "linear", std::string("ws-1")) == "ws-1");
  try {
    resolve_binding(tx, f.p2.id, "attio", std::nullopt);
    FAIL("expected attio_workspace_source_not_bound");
  } catch (const Error& e) {
    CHECK(e.code() == "attio_workspace_source_not_bound");
  }
  tx.commit();
  auto all = list_bindings(f.conn, std::nullopt);
  CHECK(all.size() == 2);
  CHECK(list_bindings(f.conn, f.p2.id).at(0).meta["source"] == "env_bootstrap");
  CHECK(unbind_source(f.conn, f.p1.id, "chatwoot"));
  CHECK_FALSE(unbind_source(f.conn, f.p1.id, "chatwoot"));
}
