// Analytics (scheduler-and-intelligence.md §2.2–2.3, §10 scenario 16) through the CLI and a real
// `labctl serve`: the refresh's figures and snapshots, the overview, the drilldown.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "support/checks.hpp"
#include "support/intelligence_fixture.hpp"
#include "support/labctl_process.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::body_of;

namespace {

struct AnalyticsFixture : test::IntelligenceFixture {
  // A message of conversation `conversation` by `contact`, `minutes` minutes after a fixed start
  // two days ago; type "0" incoming, "1" outgoing.
  void typed(const std::string& id, const std::string& conversation, const std::string& contact, const std::string& type,
             int minutes, const projects::Project* p = nullptr) {
    if (!p) p = &p1;
    pqxx::nontransaction(conn).exec_params(
        "INSERT INTO cw_messages (id, project_id, account_scope_id, conversation_global_id, contact_global_id, "
        "  message_type, content, data, created_at) "
        "VALUES ($1, $2::uuid, $3::uuid, $4, $5, $6, 'text', '{}', "
        "  date_trunc('day', now()) - interval '2 days' + $7 * interval '1 minute')",
        id, p->id, p->account_scope_id, conversation, contact, type, minutes);
  }
  void attio_deal(const std::string& id, const std::optional<std::string>& stage, double amount, double probability) {
    pqxx::nontransaction(conn).exec_params(
        "INSERT INTO attio_opportunities_raw (id, project_id, account_scope_id, workspace_id, external_id, stage, "
        "  amount, probability) VALUES ($1, $2::uuid, $3::uuid, 'w', $1, $4, $5, $6)",
        id, p1.id, p1.account_scope_id, stage, amount, probability);
  }
};

}  // namespace

TEST_CASE_FIXTURE(AnalyticsFixture, "analytics refresh: the chapter's figures, the snapshots, the overview") {
  typed("m1", "cw:1", "c1", "0", 0);
  typed("m2", "cw:1", "agent", "1", 10);  // 10 minutes
  typed("m3", "cw:2", "c2", "0", 0);
  typed("m4", "cw:2", "agent", "1", 20);  // 20
  typed("m5", "cw:3", "c3", "incoming", 0);
  typed("m6", "cw:3", "agent", "outgoing", 30);  // 30 (a webhook's spelling)
  typed("m7", "cw:4", "c1", "0", 0);              // never answered
  typed("m8", "cw:4", "c1", "0", -60 * 24 * 40);  // before the period
  typed("x1", "cw:9", "c9", "0", 0, &p2);
  for (int i = 0; i < 3; ++i) issue("open-" + std::to_string(i), "LP", 5);
  issue("late", "LP", -1);
  issue("done", "LP", -3, /*done=*/true);
  attio_deal("d-open", "proposal", 10000, 0.5);
  attio_deal("d-won", "Won", 50000, 0.9);
  attio_deal("d-lost", "closed-lost", 7000, 0.2);

  auto result = run({"analytics", "refresh", "--period-days", "30"})["result"];
  CHECK(result["inbound_messages"] == 7);  // all messages of the period, both directions (the reference's quirk)
  CHECK(result["pipeline_amount"] == 10000);
  CHECK(result["expected_revenue"] == 5000);
  CHECK(result["open_issues"] == 4);
  CHECK(result["overdue_issues"] == 1);
  CHECK(result["period_end"].get<std::string>().size() == 10);

  auto overview = run({"analytics", "overview"});
  const json& comms = overview["comms"];
  CHECK(comms["avg_response_minutes"] == 20);
  CHECK(comms["outbound_messages"] == 3);
  CHECK(comms["unique_contacts"] == 4);  // c1, c2, c3 and the agent
  CHECK(comms["period_start"] == result["period_start"]);
  const json& delivery = overview["delivery"];
  CHECK(delivery["completed_issues"] == 1);
  CHECK(delivery["throughput"] == 1);
  CHECK(delivery["lead_time_days"] == 0);
  REQUIRE(overview["revenue"].size() == 3);
  std::set<int> horizons;
  for (const auto& r : overview["revenue"]) {
    horizons.insert(r["horizon_days"].get<int>());
    CHECK(r["pipeline_amount"] == 10000);
    CHECK(r["commit_amount"] == 5000);
    CHECK(r["gross_margin"] == 5000);
    CHECK(r["won_amount"] == 0);
  }
  CHECK(horizons == std::set<int>{30, 60, 90});

  // Again: the same rows, updated.
  run({"analytics", "refresh", "--period-days", "30"});
  CHECK(count("SELECT count(*) FROM analytics_revenue_snapshots") == 3);
  CHECK(count("SELECT count(*) FROM analytics_comms_snapshots") == 1);
  CHECK(count("SELECT count(*) FROM analytics_delivery_snapshots") == 1);
  run({"analytics", "refresh", "--period-days", "7"});  // another period: its own comms and delivery rows
  CHECK(count("SELECT count(*) FROM analytics_comms_snapshots") == 2);
  CHECK(run({"analytics", "overview"})["comms"]["inbound_messages"] == 7);
  CHECK(count("SELECT count(*) FROM audit_events WHERE action = 'analytics.refresh'") == 3);
}

TEST_CASE_FIXTURE(AnalyticsFixture, "analytics: an empty project, bad periods, the drilldown; serve") {
  auto empty = run({"analytics", "refresh"})["result"];
  CHECK(empty["inbound_messages"] == 0);
  CHECK(empty["pipeline_amount"] == 0);
  CHECK(run({"analytics", "overview"})["comms"]["avg_response_minutes"] == 0);
  for (const char* bad : {"0", "121", "x"}) {
    auto r = test::labctl({"analytics", "refresh", "--period-days", bad, "--project", p1.id}, env);
    CHECK(r.exit_code == 2);
  }
  pqxx::nontransaction(conn).exec_params(
      "INSERT INTO evidence_items (project_id, account_scope_id, source_type, source_table, source_pk, snippet) VALUES "
      "($1::uuid, $2::uuid, 'message', 'cw_messages', 'cwmsg:1', 'one'), "
      "($1::uuid, $2::uuid, 'deal', 'crm_opportunities', 'd1', 'two')",
      p1.id, p1.account_scope_id);

  test::Server server(env);
  auto c1 = server.session(p1.id);
  for (const char* bad : {R"({"period_days":0})", R"({"period_days":121})"}) {
    auto r = c1.Post("/analytics/refresh", bad, "application/json");
    CHECK(r->status == 400);
    CHECK(body_of(r)["error"] == "validation_error");
  }
  CHECK(count("SELECT count(*) FROM audit_events WHERE action = 'analytics.refresh'") == 1);
  CHECK(body_of(c1.Get("/analytics/drilldown?source=cw_messages"))["evidence"].size() == 1);
  CHECK(body_of(c1.Get("/analytics/drilldown?source=deal"))["evidence"][0]["source_pk"] == "d1");
  CHECK(body_of(c1.Get("/analytics/drilldown?limit=999"))["evidence"].size() == 2);  // clamped to 200
  CHECK(body_of(server.session(p2.id).Get("/analytics/drilldown"))["evidence"].empty());
  auto overview = body_of(server.session(p2.id).Get("/analytics/overview"));
  CHECK(overview["delivery"].is_null());
  CHECK(overview["revenue"].empty());
}
