// Daily and weekly digests (scheduler-and-intelligence.md §2.5–2.6, §10 scenarios 17–18) through
// the CLI (one project, --all-projects as cron runs it) and a real `labctl serve`.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "labctl/core/iso_time.hpp"
#include "support/checks.hpp"
#include "support/intelligence_fixture.hpp"
#include "support/labctl_process.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::body_of;

namespace {

json without_generated_at(json summary) {
  summary.erase("generated_at");
  return summary;
}

}  // namespace

TEST_CASE_FIXTURE(test::IntelligenceFixture, "daily digest: the highlights and their rows, top actions, evidence; idempotent") {
  message(p1, "cwmsg:1:1", "We are blocked", "1 hour");
  message(p1, "cwmsg:1:2", "we need a discount, it is urgent", "2 hours");
  issue("lin-1", "LP", -2);
  issue("lin-2", "LP", -1);
  pqxx::nontransaction(conn).exec_params(
      "INSERT INTO outbound_messages (project_id, account_scope_id, channel, recipient_ref, status, dedupe_key, "
      "  idempotency_key) VALUES ($1::uuid, $2::uuid, 'email', 'a@example.com', 'draft', 'k1', 'i1'), "
      "($1::uuid, $2::uuid, 'email', 'b@example.com', 'failed', 'k2', 'i2')",
      p1.id, p1.account_scope_id);
  run({"signals", "extract"});

  auto first = run({"digest", "daily"})["digests"][0];
  const std::string today = iso_now().substr(0, 10);
  CHECK(first["digest_date"] == today);
  const json& s = first["summary"];
  CHECK(s["highlights"]["proposed_signals"] == 4);  // delivery_overdue, delivery_risk, commercial, urgency
  CHECK(s["highlights"]["overdue_issues"] == 2);
  CHECK(s["highlights"]["outbound_draft"] == 1);
  CHECK(s["highlights"]["outbound_failed"] == 1);
  CHECK(s["highlights"]["outbound_approved"] == 0);
  CHECK(s["highlights_evidence"]["overdue_issues"] == json::array({"lin-1", "lin-2"}));
  CHECK(s["highlights_evidence"]["proposed_signals"].size() == 4);
  CHECK(s["is_empty"] == false);
  REQUIRE(s["top_nba"].size() == 4);
  CHECK(s["top_nba"][0]["priority"] == 5);
  CHECK(s["top_nba"][0].size() == 5);  // id, action_type, priority, status, summary
  CHECK(first["evidence_refs"].size() <= 50);
  CHECK(first["evidence_refs"][0].is_string());

  auto second = run({"digest", "daily"})["digests"][0];
  CHECK(count("SELECT count(*) FROM daily_digests") == 1);
  CHECK(second["id"] == first["id"]);
  CHECK(without_generated_at(second["summary"]) == without_generated_at(first["summary"]));
  CHECK(second["evidence_refs"] == first["evidence_refs"]);

  auto shown = run({"digest", "show", "daily", "--date", today})["digests"];
  REQUIRE(shown.size() == 1);
  CHECK(shown[0]["summary"] == second["summary"]);
  auto past = run({"digest", "daily", "--date", "2026-02-11"})["digests"][0];
  CHECK(past["digest_date"] == "2026-02-11");
  CHECK(run({"digest", "show", "daily"})["digests"].size() == 2);
  CHECK(count("SELECT count(*) FROM audit_events WHERE action = 'digest.daily.generate'") == 3);
}

TEST_CASE_FIXTURE(test::IntelligenceFixture, "daily digest: an empty project says so; bad dates write nothing") {
  auto d = run({"digest", "daily"})["digests"][0];
  CHECK(d["summary"]["is_empty"] == true);
  CHECK(d["summary"]["top_nba"].empty());
  CHECK(d["summary"]["highlights"]["proposed_signals"] == 0);
  CHECK(d["evidence_refs"].empty());
  for (const char* bad : {"2026-02-30", "2999-01-01", "tomorrow"}) {
    CAPTURE(bad);
    auto r = test::labctl({"digest", "daily", "--date", bad, "--project", p1.id}, env);
    CHECK(r.exit_code == 2);
    CHECK(test::lines(r.err) == 1);
  }
  CHECK(count("SELECT count(*) FROM daily_digests") == 1);
}

TEST_CASE_FIXTURE(test::IntelligenceFixture, "weekly digest: any day names its Monday; one row per week") {
  auto wednesday = run({"digest", "weekly", "--week", "2026-02-11"})["digests"][0];
  CHECK(wednesday["week_start"] == "2026-02-09");
  auto sunday = run({"digest", "weekly", "--week", "2026-02-15T23:59:00Z"})["digests"][0];
  CHECK(sunday["week_start"] == "2026-02-09");
  CHECK(count("SELECT count(*) FROM weekly_digests") == 1);
  auto monday = run({"digest", "weekly", "--week", "2026-02-16"})["digests"][0];
  CHECK(monday["week_start"] == "2026-02-16");
  CHECK(count("SELECT count(*) FROM weekly_digests") == 2);
  const json& s = monday["summary"];
  for (const char* part : {"portfolio", "risk", "growth"}) CHECK(s.contains(part));
  CHECK(s["portfolio"]["open_pipeline"] == 0);
  CHECK(s["risk"]["health"].is_null());
  CHECK(run({"digest", "show", "weekly", "--date", "2026-02-12"})["digests"][0]["week_start"] == "2026-02-09");

  // With analytics, risk and actions: their parts, and NBA then risk evidence.
  message(p1, "cwmsg:1:1", "We are blocked", "1 hour");
  run({"signals", "extract"});
  run({"risk", "refresh"});
  run({"analytics", "refresh"});
  auto full = run({"digest", "weekly"})["digests"][0];
  CHECK(full["summary"]["risk"]["health"]["score"] == 99.67);
  CHECK(full["summary"]["risk"]["top_risks"].size() == 1);
  CHECK(full["summary"]["portfolio"]["revenue"].size() == 3);
  CHECK(full["summary"]["growth"]["top_nba"].size() == 1);
  CHECK(full["evidence_refs"] == json::array({"cwmsg:1:1", "cw:1:10"}));
}

TEST_CASE_FIXTURE(test::IntelligenceFixture, "digest daily --all-projects: quiet for cron, a line per failure, its exit code") {
  auto all = test::labctl({"digest", "daily", "--all-projects"}, env);
  CHECK(all.exit_code == 0);
  CHECK(all.out.empty());  // not a terminal: nothing to say when every project succeeded
  CHECK(count("SELECT count(*) FROM daily_digests") == 2);
  auto verbose = test::labctl({"digest", "daily", "--all-projects", "-v"}, env);
  CHECK(verbose.err.find(p1.id) != std::string::npos);
  CHECK(verbose.err.find(p2.id) != std::string::npos);
  auto as_json = json::parse(test::labctl({"digest", "daily", "--all-projects", "-o", "json"}, env).out);
  CHECK(as_json["ok"] == 2);
  CHECK(as_json["failed"] == 0);

  // P2's write fails (a trigger standing in for a database fault): P1's digest is still written, and
  // cron hears of P2 on stdout and in the exit code.
  pqxx::nontransaction(conn).exec(
      "CREATE FUNCTION refuse_p2() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.project_id = '" + p2.id + "' THEN RAISE EXCEPTION 'refused' USING ERRCODE = '23514'; END IF; "
      "RETURN NEW; END $$; "
      "CREATE TRIGGER refuse_p2 BEFORE INSERT OR UPDATE ON daily_digests FOR EACH ROW EXECUTE FUNCTION refuse_p2()");
  auto broken = test::labctl({"digest", "daily", "--all-projects", "--date", "2026-02-11"}, env);
  CHECK(broken.exit_code == 1);  // an unexpected database error is internal, whichever project it hit
  CHECK(test::lines(broken.out) == 1);
  CHECK(broken.out.find("P2") != std::string::npos);
  CHECK(broken.out.find("failed") != std::string::npos);
  CHECK(count("SELECT count(*) FROM daily_digests WHERE digest_date = '2026-02-11' AND project_id = '" + p1.id + "'") == 1);
}

TEST_CASE_FIXTURE(test::IntelligenceFixture, "serve: the digest routes and their limits") {
  test::Server server(env);
  auto c1 = server.session(p1.id);
  auto daily = c1.Post("/digests/daily/generate", "", "application/json");
  REQUIRE(daily->status == 200);
  auto body = body_of(daily);
  CHECK(body["digest_date"] == iso_now().substr(0, 10));
  CHECK(body["summary"]["is_empty"] == true);
  CHECK(body["evidence_refs"].is_array());
  auto weekly = body_of(c1.Post("/digests/weekly/generate", "", "application/json"));
  CHECK(weekly["week_start"].is_string());
  CHECK(body_of(c1.Get("/digests/daily"))["digests"].size() == 1);
  CHECK(body_of(c1.Get("/digests/weekly?limit=500"))["digests"].size() == 1);
  CHECK(body_of(server.session(p2.id).Get("/digests/daily"))["digests"].empty());
  auto future = c1.Post("/digests/daily/generate", R"({"date":"2999-01-01"})", "application/json");
  CHECK(future->status == 400);
  CHECK(body_of(future)["error"] == "invalid_date");
}
