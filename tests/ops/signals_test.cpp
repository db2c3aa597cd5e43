// Signals and next best actions (scheduler-and-intelligence.md §3, §10 scenarios 19–22) through
// the CLI and a real `labctl serve`: extraction from messages, overdue Linear issues and CRM deals,
// re-extraction that keeps what people decided, the lists, and the status routes' errors.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "labctl/core/ids.hpp"
#include "support/checks.hpp"
#include "support/labctl_process.hpp"
#include "support/intelligence_fixture.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::body_of;

namespace {

struct SignalsFixture : test::IntelligenceFixture {
  // Every signal and action as it stands, and the successful audit rows: what a refused request
  // must leave alone (an attempt on a missing row is audited as failed, by the dispatch path).
  std::string state() {
    return pqxx::nontransaction(conn)
        .exec1("SELECT concat_ws('|', (SELECT string_agg(concat_ws(',', id, status, severity, confidence, summary), ';' "
               "  ORDER BY id) FROM signals), (SELECT string_agg(concat_ws(',', id, status, priority, updated_at), ';' "
               "  ORDER BY id) FROM next_best_actions), (SELECT count(*) FROM audit_events WHERE status = 'ok'))")[0]
        .c_str();
  }
};

}  // namespace

TEST_CASE_FIXTURE(SignalsFixture, "signals extract: the chapter's sources, rules, keys and actions") {
  message(p1, "cwmsg:1:1", "We are blocked and the release slipped", "1 day");
  message(p1, "cwmsg:1:2", "the delayed build", "1 day");
  message(p1, "cwmsg:1:3", "Срочно нужна скидка", "2 hours");
  message(p1, "cwmsg:1:4", "urgent: budget", "1 hour", /*is_private=*/true);
  message(p1, "cwmsg:1:5", "still blocked", "15 days");
  message(p1, "cwmsg:1:6", std::string(1200, 'x') + " blocked", "3 hours");  // past the first 1,200 characters
  message(p2, "cwmsg:2:1", "blocked, urgent, expensive", "1 hour");
  issue("lin-b", "LP1", -1);
  issue("lin-a", "LP1", -3);
  issue("lin-c", "LP1", -10);
  issue("lin-d", "LP1", -2, /*done=*/true);
  issue("lin-e", "LP1", 2);
  std::string weak = deal("Website relaunch", "proposal", " Call ");
  deal("Signed retainer", "won", "");
  deal("Support plan", "negotiation", "Send the revised proposal");

  auto result = run({"signals", "extract"})["result"];
  CHECK(result["generated_candidates"] == 5);
  CHECK(result["touched_signals"] == 5);
  CHECK(result["touched_nba"] == 5);

  auto signals = run({"signals", "list"})["signals"];
  REQUIRE(signals.size() == 5);
  std::map<std::string, json> by_type;
  for (const auto& s : signals) by_type[s["signal_type"].get<std::string>() + ":" + s["evidence_refs"][0].get<std::string>()] = s;
  const json& blocked = by_type.at("delivery_risk:cwmsg:1:1");
  CHECK(blocked["severity"] == 4);
  CHECK(blocked["confidence"] == doctest::Approx(0.82));
  CHECK(blocked["status"] == "proposed");
  CHECK(blocked["source_kind"] == "conversation");
  CHECK(blocked["summary"] == "Potential delivery blocker detected in conversation");
  CHECK(blocked["evidence_refs"] == json::array({"cwmsg:1:1", "cw:1:10"}));
  CHECK(blocked["dedupe_key"] == sha1_hex(p1.id + ":delivery_risk:cwmsg:1:1"));
  CHECK(by_type.count("urgency_increase:cwmsg:1:3") == 1);
  CHECK(by_type.count("commercial_pressure:cwmsg:1:3") == 1);
  const json& overdue = by_type.at("delivery_overdue:lin-a");  // the smallest issue id
  CHECK(overdue["severity"] == 5);
  CHECK(overdue["confidence"] == doctest::Approx(0.79));
  CHECK(overdue["summary"] == "Linear overdue issues: 3");
  CHECK(overdue["dedupe_key"] == sha1_hex(p1.id + ":delivery_overdue:linear_project:LP1"));
  const json& crm = by_type.at("deal_without_next_step:" + weak);
  CHECK(crm["summary"] == "Opportunity \"Website relaunch\" has missing/weak next step");
  CHECK(crm["severity"] == 3);
  CHECK(crm["source_kind"] == "crm");
  // Sorted by severity, then confidence.
  CHECK(signals[0]["signal_type"] == "delivery_overdue");
  CHECK(signals[1]["signal_type"] == "delivery_risk");
  CHECK(signals[2]["signal_type"] == "urgency_increase");

  auto items = run({"nba", "list"})["items"];
  REQUIRE(items.size() == 5);
  CHECK(items[0]["priority"] == 5);
  CHECK(items[0]["action_type"] == "review_delivery_blockers");
  json review = nullptr;
  for (const auto& a : items)
    if (a["signal_id"] == blocked["id"]) review = a;
  REQUIRE(review.is_object());
  CHECK(review["action_type"] == "review_delivery_blockers");
  CHECK(review["evidence_refs"] == blocked["evidence_refs"]);
  CHECK(review["dedupe_key"] == sha1_hex(p1.id + ":" + blocked["id"].get<std::string>() + ":review_delivery_blockers"));
  CHECK(count("SELECT count(*) FROM signals WHERE project_id = '" + p2.id + "'") == 0);
  CHECK(count("SELECT count(*) FROM audit_events WHERE action = 'signals.extract'") == 1);
  CHECK(count("SELECT count(*) FROM next_best_actions WHERE action_type = 'triage_signal'") == 1);  // the CRM signal's
}

TEST_CASE_FIXTURE(SignalsFixture, "re-extraction keeps dismissed signals dismissed and never lowers severity or confidence") {
  message(p1, "cwmsg:1:1", "We are blocked", "1 day");
  message(p1, "cwmsg:1:2", "this is urgent", "1 day");
  run({"signals", "extract"});
  auto signals = run({"signals", "list"})["signals"];
  REQUIRE(signals.size() == 2);
  std::string blocked = signals[0]["signal_type"] == "delivery_risk" ? signals[0]["id"] : signals[1]["id"];
  std::string urgent = signals[0]["signal_type"] == "delivery_risk" ? signals[1]["id"] : signals[0]["id"];
  run({"signals", "set-status", blocked, "--status", "dismissed"});
  pqxx::nontransaction(conn).exec_params("UPDATE signals SET severity = 5, confidence = 0.95 WHERE id = $1::uuid", urgent);
  auto created = pqxx::nontransaction(conn).exec1("SELECT string_agg(created_at::text, ',' ORDER BY id) FROM signals")[0];
  std::string nba = run({"nba", "list"})["items"][0]["id"];
  run({"nba", "set-status", nba, "--status", "accepted"});

  auto again = run({"signals", "extract"})["result"];
  CHECK(again["touched_signals"] == 2);
  CHECK(count("SELECT count(*) FROM signals") == 2);
  CHECK(count("SELECT count(*) FROM next_best_actions") == 2);  // the dismissed one's action too, as the reference
  auto dismissed = run({"signals", "list", "--status", "dismissed"})["signals"];
  REQUIRE(dismissed.size() == 1);
  CHECK(dismissed[0]["id"] == blocked);
  auto kept = run({"signals", "list", "--status", "proposed"})["signals"];
  REQUIRE(kept.size() == 1);
  CHECK(kept[0]["severity"] == 5);
  CHECK(kept[0]["confidence"] == doctest::Approx(0.95));
  CHECK(pqxx::nontransaction(conn).exec1("SELECT string_agg(created_at::text, ',' ORDER BY id) FROM signals")[0].c_str() ==
        std::string(created.c_str()));
  CHECK(run({"nba", "list", "--status", "accepted"})["items"][0]["id"] == nba);
}

TEST_CASE_FIXTURE(SignalsFixture, "an empty project extracts nothing; bad input is refused and changes nothing") {
  CHECK(run({"signals", "extract"})["result"] == json{{"generated_candidates", 0}, {"touched_signals", 0}, {"touched_nba", 0}});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"signals", "set-status", "not-a-uuid", "--status", "accepted"},
           {"signals", "set-status", "6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c", "--status", "closed"},
           {"nba", "set-status", "6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c", "--status", "bogus"},
           {"signals", "list", "--severity-min", "6"},
           {"signals", "list", "--limit", "401"},
           {"signals", "list", "--status", "open"}}) {
    CAPTURE(args[0] + " " + args[1] + " " + args[2]);
    auto with_project = args;
    with_project.insert(with_project.end(), {"--project", p1.id});
    auto r = test::labctl(with_project, env);
    CHECK(r.exit_code == 2);
    CHECK(test::lines(r.err) == 1);
  }
  auto missing = test::labctl({"signals", "set-status", "6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c", "--status", "done",
                               "--project", p1.id}, env);
  CHECK(missing.exit_code == 3);
  CHECK(test::labctl({"signals", "extract"}, env).exit_code == 4);  // no project: scope_required, say --project
  // Refused input never ran; the missing row is an audited attempt that changed nothing.
  CHECK(count("SELECT count(*) FROM audit_events WHERE action LIKE 'signals.%' OR action LIKE 'nba.%'") == 2);
  CHECK(count("SELECT count(*) FROM audit_events WHERE action = 'signals.status_update' AND status = 'failed' "
              "AND payload->>'error_code' = 'signal_not_found'") == 1);
}

TEST_CASE_FIXTURE(SignalsFixture, "serve: the routes, their limits, and the status errors in the chapter's order") {
  message(p1, "cwmsg:1:1", "We are blocked", "1 day");
  message(p1, "cwmsg:1:2", "we need a discount asap", "1 day");
  message(p2, "cwmsg:2:1", "blocked", "1 day");
  test::Server server(env);
  auto c1 = server.session(p1.id), c2 = server.session(p2.id);
  auto extracted = c1.Post("/signals/extract", "", "application/json");
  REQUIRE(extracted->status == 200);
  CHECK(body_of(extracted)["result"]["touched_signals"] == 3);
  REQUIRE(c2.Post("/v1/signals/extract", "", "application/json")->status == 200);
  std::string foreign = body_of(c2.Get("/signals"))["signals"][0]["id"];
  std::string foreign_nba = body_of(c2.Get("/nba"))["items"][0]["id"];

  auto listed = body_of(c1.Get("/signals?severity_min=4&limit=1000"));
  REQUIRE(listed["signals"].size() == 2);  // limit clamped to 400; severity 3 left out
  for (const auto& s : listed["signals"]) CHECK(s["severity"] >= 4);
  CHECK(body_of(c1.Get("/signals?severity_min=0"))["signals"].size() == 3);  // clamped to 1
  CHECK(c1.Get("/signals?status=open")->status == 400);
  auto items = body_of(c1.Get("/nba?limit=2"))["items"];
  REQUIRE(items.size() == 2);
  CHECK(items[0]["priority"] >= items[1]["priority"]);
  std::string id = listed["signals"][0]["id"], nba = items[0]["id"];

  auto post = [&](const std::string& path, const json& body) {
    auto r = c1.Post(path, body.dump(), "application/json");
    REQUIRE(r);
    return std::pair{r->status, body_of(r)};
  };
  const std::string before = state();
  auto [s1, bad_uuid] = post("/signals/not-a-uuid/status", {{"status", "accepted"}});
  CHECK(s1 == 400);
  CHECK(bad_uuid["error"] == "invalid_uuid");
  auto [s2, bad_status] = post("/signals/" + id + "/status", {{"status", "closed"}});
  CHECK(s2 == 400);
  CHECK(bad_status["error"] == "validation_error");
  CHECK(bad_status["details"][0]["path"] == "status");
  auto [s3, both] = post("/signals/not-a-uuid/status", {{"status", "closed"}});  // the body is checked first
  CHECK(s3 == 400);
  CHECK(both["error"] == "validation_error");
  auto [s4, other] = post("/signals/" + foreign + "/status", {{"status", "dismissed"}});
  CHECK(s4 == 404);
  CHECK(other["error"] == "signal_not_found");
  auto [s5, cancelled] = post("/signals/" + id + "/status", {{"status", "cancelled"}});  // NBA only
  CHECK(s5 == 400);
  auto [s6, other_nba] = post("/nba/" + foreign_nba + "/status", {{"status", "done"}});
  CHECK(s6 == 404);
  CHECK(other_nba["error"] == "nba_not_found");
  auto [s7, no_status] = post("/nba/" + nba + "/status", json::object());
  CHECK(s7 == 400);
  CHECK(no_status["error"] == "validation_error");
  CHECK(state() == before);

  auto [ok1, moved] = post("/signals/" + id + "/status", {{"status", "accepted"}});
  CHECK(ok1 == 200);
  CHECK(moved["signal"]["status"] == "accepted");
  auto [ok2, back] = post("/signals/" + id + "/status", {{"status", "proposed"}});  // any order
  CHECK(back["signal"]["status"] == "proposed");
  auto [ok3, item] = post("/nba/" + nba + "/status", {{"status", "cancelled"}});
  CHECK(ok3 == 200);
  CHECK(item["item"]["status"] == "cancelled");
  CHECK(item["item"]["updated_at"] > items[0]["updated_at"]);
  CHECK(count("SELECT count(*) FROM audit_events WHERE action = 'signals.status_update' AND entity_id = '" + id + "'") == 2);
  CHECK(count("SELECT count(*) FROM audit_events WHERE action = 'nba.status_update' AND status = 'ok'") == 1);
  CHECK(count("SELECT count(*) FROM signals WHERE project_id = '" + p2.id + "' AND status <> 'proposed'") == 0);
}
