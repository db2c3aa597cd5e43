// Data lifecycle (scheduler-and-intelligence.md §8.4, §10 scenario 32): `retention outbound` and
// `retention analytics`, and the scheduler's outbound_retention_cleanup / analytics_retention_cleanup
// running them — batches oldest first, the warning of a full batch, the lag left, what stays.
#include <doctest/doctest.h>

#include "support/checks.hpp"
#include "support/sync_fixture.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::Project;

namespace {

struct RetentionFixture : test::SyncFixture {
  // `n` search events and logged queries of the project, `days` old, a minute apart.
  void analytics_rows(const Project& p, int n, int days) {
    const std::string at = "now() - make_interval(days => " + std::to_string(days) + ") - make_interval(mins => g)";
    db.exec("INSERT INTO search_analytics (query, project_id, account_scope_id, created_at) SELECT 'q' || g, '" + p.id +
            "', '" + p.scope + "', " + at + " FROM generate_series(1, " + std::to_string(n) + ") g");
    db.exec("INSERT INTO lightrag_query_runs (project_id, account_scope_id, query_text, created_at) SELECT '" + p.id +
            "', '" + p.scope + "', 'q' || g, " + at + " FROM generate_series(1, " + std::to_string(n) + ") g");
  }
  // The project's scheduled jobs, none due.
  void nothing_due(const Project& p) {
    CHECK(test::labctl({"scheduler", "list", "--project", p.id}, env).exit_code == 0);
    db.exec("UPDATE scheduled_jobs SET next_run_at = now() + interval '1 day' WHERE project_id = '" + p.id + "'");
  }
  void outbound_rows(const Project& p, int n, const std::string& status, int days, const std::string& tag) {
    db.exec("INSERT INTO outbound_messages (project_id, account_scope_id, channel, recipient_ref, status, "
            "idempotency_key, updated_at) SELECT '" + p.id + "', '" + p.scope + "', 'email', 'r' || g, '" + status +
            "', '" + tag + "' || g, now() - make_interval(days => " + std::to_string(days) + ") - make_interval(mins => g) "
            "FROM generate_series(1, " + std::to_string(n) + ") g");
  }
  long long rows(const std::string& table, const Project& p) {
    return db.count("SELECT count(*) FROM " + table + " WHERE project_id = '" + p.id + "'");
  }
};

}  // namespace

TEST_CASE_FIXTURE(RetentionFixture, "scenario 32: batch 100, 250 stale rows: runs delete 100, 100, 50; the first two warn") {
  Project p2 = create_project("Other", 1);
  analytics_rows(p1, 250, 400);  // past both retentions (365 and 180 days)
  analytics_rows(p1, 7, 10);     // recent: kept
  analytics_rows(p2, 30, 400);   // another project's: not this run's
  auto small = env;
  small["ANALYTICS_RETENTION_BATCH_SIZE"] = "100";
  const long long expected[] = {100, 100, 50, 0};
  for (int run = 0; run < 4; ++run) {
    CAPTURE(run);
    auto r = test::labctl({"retention", "analytics", "--project", p1.id, "-o", "json"}, small);
    REQUIRE(r.exit_code == 0);
    auto result = json::parse(r.out);
    for (const std::string table : {"search_analytics", "lightrag_query_runs"}) {
      CAPTURE(table);
      CHECK(result["tables"][table]["deleted"] == expected[run]);
      CHECK(result["tables"][table]["saturated"] == (run < 2));
      // Saturated runs leave overdue rows behind; the third clears them.
      CHECK((result["tables"][table]["lag_days"].get<double>() > 0) == (run < 2));
    }
    CHECK(result["total"] == 2 * expected[run]);
    CHECK(result["tables"]["search_analytics"]["retention_days"] == 365);
    CHECK(result["tables"]["lightrag_query_runs"]["retention_days"] == 180);
    const bool warned = r.err.find("filled its batch of 100") != std::string::npos;
    CHECK(warned == (run < 2));
    CHECK(r.err.find("'q") == std::string::npos);  // no row data in the log
  }
  CHECK(rows("search_analytics", p1) == 7);
  CHECK(rows("lightrag_query_runs", p1) == 7);
  CHECK(rows("search_analytics", p2) == 30);
  CHECK(db.count("SELECT count(*) FROM audit_events WHERE action = 'retention.analytics_cleanup' AND status = 'partial'") ==
        2);
  CHECK(db.count("SELECT count(*) FROM audit_events WHERE action = 'retention.analytics_cleanup' AND status = 'ok'") == 2);
}

TEST_CASE_FIXTURE(RetentionFixture, "outbound retention: finished messages past OUTBOUND_RETENTION_DAYS go, oldest first; the rest stay") {
  outbound_rows(p1, 120, "sent", 100, "old-sent-");
  outbound_rows(p1, 5, "cancelled", 100, "old-cancelled-");
  outbound_rows(p1, 4, "draft", 400, "old-draft-");        // not finished: never deleted
  outbound_rows(p1, 3, "approved", 400, "old-approved-");  // waiting to be sent: never deleted
  outbound_rows(p1, 6, "failed", 3, "recent-failed-");     // within the retention
  auto small = env;
  small["OUTBOUND_RETENTION_BATCH"] = "100";
  auto first = test::labctl({"retention", "outbound", "--project", p1.id, "-o", "json"}, small);
  REQUIRE(first.exit_code == 0);
  auto r = json::parse(first.out);
  CHECK(r["deleted"] == 100);
  CHECK(r["retention_days"] == 90);
  CHECK(r["saturated"] == true);
  CHECK(first.err.find("outbound_messages of project " + p1.id + " filled its batch of 100") != std::string::npos);
  // The oldest went first: what is left of the stale ones are the 25 newest.
  CHECK(db.count("SELECT count(*) FROM outbound_messages WHERE idempotency_key LIKE 'old-sent-%' AND "
                 "substr(idempotency_key, 10)::int > 25") == 0);

  // The scheduler's job runs the same operation.
  nothing_due(p1);
  auto ran = test::labctl({"scheduler", "run", "outbound_retention_cleanup", "--project", p1.id, "-o", "json"}, small);
  REQUIRE(ran.exit_code == 0);
  auto detail = json::parse(ran.out)["result"]["details"][0];
  CHECK(detail["status"] == "ok");
  CHECK(detail["details"]["deleted"] == 25);
  CHECK(detail["details"]["saturated"] == false);
  CHECK(rows("outbound_messages", p1) == 4 + 3 + 6);

  // Bounds are the config's: a retention below 7 days is clamped, never "delete everything".
  auto eager = env;
  eager["OUTBOUND_RETENTION_DAYS"] = "1";
  CHECK(json::parse(test::labctl({"retention", "outbound", "--project", p1.id, "-o", "json"}, eager).out)["retention_days"] == 7);
  CHECK(rows("outbound_messages", p1) == 4 + 3 + 6);
}

TEST_CASE_FIXTURE(RetentionFixture, "analytics retention through the scheduler; a project is required") {
  analytics_rows(p1, 3, 400);
  nothing_due(p1);
  auto ran = test::labctl({"scheduler", "run", "analytics_retention_cleanup", "--project", p1.id, "-o", "json"}, env);
  REQUIRE(ran.exit_code == 0);
  CHECK(json::parse(ran.out)["result"]["details"][0]["details"]["total"] == 6);
  CHECK(rows("search_analytics", p1) == 0);
  auto none = test::labctl({"retention", "analytics"}, env);
  CHECK(none.exit_code == 4);
  CHECK(test::lines(none.err) == 1);
}
