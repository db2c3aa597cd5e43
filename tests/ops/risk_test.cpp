// Health and risk (scheduler-and-intelligence.md §2.1, §2.3, §10 scenarios 13–15) through the CLI
// and a real `labctl serve`.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "support/checks.hpp"
#include "support/intelligence_fixture.hpp"
#include "support/labctl_process.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::body_of;

namespace {

json factor(const json& factors, const std::string& key) {
  for (const auto& f : factors)
    if (f["key"] == key) return f;
  FAIL("no factor " << key);
  return nullptr;
}

}  // namespace

TEST_CASE_FIXTURE(test::IntelligenceFixture, "risk refresh: the chapter's example, exactly") {
  signal(p1, "a", 4, 0.82);
  signal(p1, "b", 3, 0.74, "accepted");
  signal(p1, "c", 2, 0.70);
  signal(p1, "d", 5, 1.0, "dismissed");  // not open: not counted
  signal(p2, "e", 5, 1.0);               // another project's
  for (int i = 0; i < 5; ++i) issue("lin-" + std::to_string(i), "LP1", -1 - i);
  issue("lin-done", "LP1", -3, /*done=*/true);
  issue("lin-later", "LP1", 4);
  job_run("failed", "1 day");
  job_run("failed", "6 days");
  job_run("failed", "8 days");  // older than a week
  job_run("ok", "1 hour");

  auto result = run({"risk", "refresh"})["result"];
  CHECK(result["health_score"] == 89.31);
  CHECK(result["total_pressure"] == 10.69);
  CHECK(factor(result["factors"], "signal_pressure")["value"] == 0.69);
  CHECK(factor(result["factors"], "overdue_pressure")["value"] == 10);
  auto failed = factor(result["factors"], "failed_job_pressure");
  CHECK(failed["value"] == 6);
  CHECK(failed["operational_only"] == true);

  auto overview = run({"risk", "overview"});
  CHECK(overview["health"]["score"] == 89.31);
  REQUIRE(overview["risks"].size() == 1);
  const json& radar = overview["risks"][0];
  CHECK(radar["severity"] == 1);
  CHECK(radar["probability"] == doctest::Approx(0.1069));
  CHECK(radar["title"] == "Project delivery/commercial risk composite");
  CHECK(radar["mitigation_action"] == "Run mitigation playbook and prioritize accepted NBA items.");
  CHECK(radar["status"] == "open");
  CHECK(radar["evidence_refs"] == json::array({"c", "b", "a"}));  // newest signals first
  REQUIRE(overview["patterns"].size() == 1);
  CHECK(overview["patterns"][0]["pattern_key"] == "delivery_risk_cluster");
  CHECK(overview["patterns"][0]["weight"] == doctest::Approx(0.1069));
  CHECK(overview["patterns"][0]["mitigation_playbook"]["steps"].size() == 4);
  CHECK(count("SELECT count(*) FROM audit_events WHERE action = 'risk.refresh'") == 1);
}

TEST_CASE_FIXTURE(test::IntelligenceFixture, "heavy signals: health 30.64; refreshes append history, keep one open item") {
  for (int i = 0; i < 120; ++i) signal(p1, "s" + std::to_string(i), 4, 0.82);
  for (int i = 0; i < 20; ++i) issue("lin-" + std::to_string(i), "LP1", -2);
  CHECK(run({"risk", "refresh"})["result"]["health_score"] == 30.64);
  auto overview = run({"risk", "overview"});
  CHECK(overview["risks"][0]["severity"] == 3);
  CHECK(overview["risks"][0]["evidence_refs"].size() == 25);

  run({"risk", "refresh"});
  CHECK(count("SELECT count(*) FROM health_scores") == 2);
  CHECK(count("SELECT count(*) FROM risk_radar_items") == 1);
  CHECK(count("SELECT count(*) FROM risk_pattern_events") == 1);
  // Once closed (mitigated), the next refresh opens a new one; the closed ones stay as they were.
  pqxx::nontransaction(conn).exec("UPDATE risk_radar_items SET status = 'closed'; UPDATE risk_pattern_events SET status = 'mitigated'");
  run({"risk", "refresh"});
  CHECK(count("SELECT count(*) FROM risk_radar_items WHERE status = 'open'") == 1);
  CHECK(count("SELECT count(*) FROM risk_radar_items WHERE status = 'closed'") == 1);
  CHECK(count("SELECT count(*) FROM risk_pattern_events WHERE status = 'open'") == 1);
  // Someone working on it (mitigating) keeps the item: it is updated, not replaced.
  pqxx::nontransaction(conn).exec("UPDATE risk_radar_items SET status = 'mitigating' WHERE status = 'open'");
  run({"risk", "refresh"});
  CHECK(count("SELECT count(*) FROM risk_radar_items WHERE status <> 'closed'") == 1);
  CHECK(count("SELECT count(*) FROM health_scores") == 4);
}

TEST_CASE_FIXTURE(test::IntelligenceFixture, "serve: risk routes, an empty project, and concurrent refreshes") {
  test::Server server(env);
  auto c1 = server.session(p1.id);
  auto empty = body_of(c1.Get("/risk/overview"));
  CHECK(empty["health"].is_null());
  CHECK(empty["risks"].empty());
  auto refreshed = c1.Post("/risk/refresh", "", "application/json");
  REQUIRE(refreshed->status == 200);
  CHECK(body_of(refreshed)["result"]["health_score"] == 100);
  // Four refreshes at once: four history rows, still one open radar item and pattern.
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i)
    clients.emplace_back([&] { CHECK(server.session(p1.id).Post("/risk/refresh", "", "application/json")->status == 200); });
  for (auto& t : clients) t.join();
  CHECK(count("SELECT count(*) FROM health_scores WHERE project_id = '" + p1.id + "'") == 5);
  CHECK(count("SELECT count(*) FROM risk_radar_items WHERE status = 'open'") == 1);
  CHECK(count("SELECT count(*) FROM risk_pattern_events WHERE status = 'open'") == 1);
  CHECK(body_of(server.session(p2.id).Get("/risk/overview"))["health"].is_null());  // P1's are P1's
}
