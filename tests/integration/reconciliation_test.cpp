#include <doctest/doctest.h>

#include <pqxx/pqxx>

#include "labctl/core/error.hpp"
#include "labctl/domains/connectors/reconciliation.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "support/test_cluster.hpp"
#include "support/two_projects.hpp"

using namespace labctl;
using namespace labctl::connectors;
using json = nlohmann::json;

namespace {

struct Fixture : test::TwoProjects {

  // `$P` in the text stands for the project id, quoted.
  void sql(const projects::Project& p, std::string statement) {
    for (auto pos = statement.find("$P"); pos != std::string::npos; pos = statement.find("$P"))
      statement.replace(pos, 2, "'" + p.id + "'");
    pqxx::work tx(conn);
    tx.exec(statement);
    tx.commit();
  }
  json run(const projects::Project& p, const std::string& source = "manual", double threshold = 70) {
    pqxx::work tx(conn);
    auto r = run_reconciliation(tx, p.id, p.account_scope_id, source, threshold);
    tx.commit();
    return r;
  }
  json list(const projects::Project& p, int days, int limit) {
    pqxx::read_transaction tx(conn);
    return list_reconciliation(tx, p.id, days, limit);
  }
  json diff(const projects::Project& p) {
    pqxx::read_transaction tx(conn);
    return reconciliation_diff(tx, p.id);
  }
  // "connector source pct total missing dup" per stored row, oldest run first.
  std::vector<std::string> rows(const projects::Project& p) {
    pqxx::nontransaction tx(conn);
    std::vector<std::string> out;
    for (const auto& r : tx.exec_params(
             "SELECT concat_ws(' ', connector, source, completeness_pct, total_count, missing_count, duplicate_count) "
             "FROM sync_reconciliation_metrics WHERE project_id = $1 ORDER BY captured_at, connector",
             p.id))
      out.push_back(r[0].c_str());
    return out;
  }
  int drops(const projects::Project& p) {
    pqxx::nontransaction tx(conn);
    return tx.exec_params1("SELECT count(*) FROM audit_events WHERE project_id = $1 "
                           "AND action = 'reconciliation.completeness_drop'",
                           p.id)[0]
        .as<int>();
  }
};

// §8 worked example: 10 messages (2 without a contact), 4 conversations (1 without),
// 5 contacts (1 duplicate email, compared case-insensitively; blank emails do not count).
void seed_worked_example(Fixture& f) {
  std::string s =
      "INSERT INTO cw_contacts (id, project_id, account_id, contact_id, email, data) VALUES "
      "('cw:1', $P, 7, 1, 'a@x.com', '{}'), ('cw:2', $P, 7, 2, 'A@X.com', '{}'), ('cw:3', $P, 7, 3, 'b@x.com', '{}'), "
      "('cw:4', $P, 7, 4, '  ', '{}'), ('cw:5', $P, 7, 5, NULL, '{}');"
      "INSERT INTO cw_conversations (id, project_id, account_id, conversation_id, contact_global_id, data) VALUES "
      "('cwc:1', $P, 7, 1, 'cw:1', '{}'), ('cwc:2', $P, 7, 2, 'cw:2', '{}'), ('cwc:3', $P, 7, 3, 'cw:3', '{}'), "
      "('cwc:4', $P, 7, 4, '', '{}');"
      "INSERT INTO cw_messages (id, project_id, account_id, message_id, contact_global_id, data) VALUES ";
  for (int i = 1; i <= 10; ++i) {
    std::string contact = i == 1 ? "NULL" : i == 2 ? "''" : "'cw:1'";
    s += std::string(i > 1 ? "," : "") + "('cwmsg:" + std::to_string(i) + "', $P, 7, " + std::to_string(i) + ", " +
         contact + ", '{}')";
  }
  f.sql(f.p1, s);
}

// Another project's rows, to show they never leak into P1's numbers: 2 contacts sharing an
// email, 3 messages without a contact; 1 Attio deal whose account is in no CRM row of P2.
void seed_other_project(Fixture& f) {
  f.sql(f.p2,
        "INSERT INTO cw_contacts (id, project_id, account_id, contact_id, email, data) VALUES "
        "('cw2:1', $P, 8, 1, 'z@x.com', '{}'), ('cw2:2', $P, 8, 2, 'Z@x.com', '{}');"
        "INSERT INTO cw_messages (id, project_id, account_id, message_id, data) VALUES "
        "('cw2msg:1', $P, 8, 1, '{}'), ('cw2msg:2', $P, 8, 2, '{}'), ('cw2msg:3', $P, 8, 3, '{}');"
        "INSERT INTO attio_opportunities_raw (id, project_id, workspace_id, external_id, account_external_id) "
        "VALUES ('attiodeal:w2:d1', $P, 'w2', 'd1', 'acc-1')");
}

std::vector<std::string> today_and_yesterday(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  auto r = tx.exec1("SELECT to_char((now() AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD'), "
                    "to_char((now() AT TIME ZONE 'UTC')::date - 1, 'YYYY-MM-DD')");
  return {r[0].c_str(), r[1].c_str()};
}

}  // namespace

TEST_CASE("reconciliation run: the worked example gives 78.33 / 19 / 3 / 1, four rows, a weighted portfolio") {
  Fixture f;
  seed_worked_example(f);
  seed_other_project(f);

  auto r = f.run(f.p1);
  CHECK(r["source"] == "manual");
  REQUIRE(r["metrics"].size() == 4);
  auto chatwoot = r["metrics"][0];
  CHECK(chatwoot["connector"] == "chatwoot");
  CHECK(chatwoot["source"] == "manual");
  CHECK(chatwoot["completeness_pct"] == 78.33);
  CHECK(chatwoot["total_count"] == 19);
  CHECK(chatwoot["missing_count"] == 3);
  CHECK(chatwoot["duplicate_count"] == 1);
  CHECK(chatwoot["payload"]["messages_without_contact"] == 2);
  CHECK(chatwoot["payload"]["conversations_without_contact"] == 1);
  CHECK(chatwoot["payload"]["duplicate_contacts_by_email"] == 1);
  CHECK(r["metrics"][1]["connector"] == "linear");
  CHECK(r["metrics"][1]["completeness_pct"] == 100);  // pct(_, 0) = 100
  CHECK(r["metrics"][2]["connector"] == "attio");
  CHECK(r["metrics"][2]["completeness_pct"] == 100);
  // (78.33·19 + 100·1 + 100·1) / 21 = 80.39
  CHECK(r["metrics"][3]["connector"] == "portfolio");
  CHECK(r["metrics"][3]["payload"]["by_connector"].size() == 3);
  CHECK(r["summary"] ==
        json{{"completeness_pct", 80.39}, {"missing_count", 3}, {"duplicate_count", 1}, {"total_count", 19}});

  CHECK(f.rows(f.p1) == std::vector<std::string>{"attio manual 100.00 0 0 0", "chatwoot manual 78.33 19 3 1",
                                                 "linear manual 100.00 0 0 0", "portfolio manual 80.39 19 3 1"});
  {
    pqxx::nontransaction tx(f.conn);
    auto stored = tx.exec_params1(
        "SELECT count(DISTINCT captured_at), max(to_char(captured_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')), bool_and(account_scope_id = $2::uuid) "
        "FROM sync_reconciliation_metrics WHERE project_id = $1",
        f.p1.id, f.p1.account_scope_id);
    CHECK(stored[0].as<int>() == 1);
    CHECK(r["captured_at"] == stored[1].c_str());
    CHECK(stored[2].as<bool>());
  }
  CHECK(f.drops(f.p1) == 0);  // nothing below the default 70

  // P2 is counted on its own: contacts 2 (1 duplicate), messages 3 (all without a contact).
  auto p2 = f.run(f.p2);
  CHECK(p2["metrics"][0]["completeness_pct"] == 50);  // mean(0, 100, 50)
  CHECK(p2["metrics"][0]["total_count"] == 5);
  CHECK(p2["metrics"][2]["missing_count"] == 1);      // its deal's account is in no CRM row of P2
  CHECK(f.rows(f.p1).size() == 4);
}

TEST_CASE("reconciliation audit: each metric below the threshold writes reconciliation.completeness_drop") {
  Fixture f;
  seed_worked_example(f);
  f.run(f.p1);
  CHECK(f.drops(f.p1) == 0);

  auto r = f.run(f.p1, "daily_job", 90);
  CHECK(r["source"] == "daily_job");
  CHECK(f.drops(f.p1) == 2);  // chatwoot 78.33 and portfolio 80.39; linear and attio are 100
  CHECK(f.drops(f.p2) == 0);
  pqxx::nontransaction tx(f.conn);
  auto audits = tx.exec_params(
      "SELECT a.status, a.entity_type, a.payload::text, m.connector, m.source "
      "FROM audit_events a JOIN sync_reconciliation_metrics m ON m.id::text = a.entity_id "
      "WHERE a.project_id = $1 AND a.action = 'reconciliation.completeness_drop' ORDER BY m.connector",
      f.p1.id);
  REQUIRE(audits.size() == 2);
  CHECK(std::string(audits[0][0].c_str()) == "warning");
  CHECK(std::string(audits[0][1].c_str()) == "sync_reconciliation_metrics");
  CHECK(std::string(audits[0][3].c_str()) == "chatwoot");
  CHECK(std::string(audits[0][4].c_str()) == "daily_job");
  auto payload = json::parse(audits[0][2].c_str());
  CHECK(payload["connector"] == "chatwoot");
  CHECK(payload["completeness_pct"] == 78.33);
  CHECK(payload["threshold_pct"] == 90);
  CHECK(std::string(audits[1][3].c_str()) == "portfolio");
}

TEST_CASE("reconciliation linear and attio from real rows; the threshold is strict") {
  Fixture f;
  f.sql(f.p1,
        "INSERT INTO linear_issues_raw (id, project_id, workspace_id, external_id, title, state, state_type, blocked, "
        "blocked_by_count) VALUES "
        "('li:1', $P, 'w', 'L1', 'A', 'Todo', 'unstarted', false, 0),"
        "('li:2', $P, 'w', 'L2', 'B', NULL, 'started', false, 0),"
        "('li:3', $P, 'w', 'L3', 'C', 'Doing', '  ', true, 1),"
        "('li:4', $P, 'w', 'L4', '', 'Done', 'completed', false, 0);"
        "INSERT INTO attio_accounts_raw (id, project_id, workspace_id, external_id, name) VALUES "
        "('aa:1', $P, 'w', 'acc-1', 'Acme'), ('aa:2', $P, 'w', 'acc-2', 'Beta'), ('aa:3', $P, 'w', 'acc-3', 'Gamma');"
        "INSERT INTO crm_accounts (project_id, name, external_ref, stage, source_system) VALUES "
        "($P, 'Acme', 'acc-1', 'active', 'attio'), ($P, 'Beta', 'acc-2', 'prospect', 'attio'), "
        "($P, 'Manual Co', NULL, 'active', 'manual'), ($P, 'Legacy', 'acc-legacy', 'active', 'manual');"
        "INSERT INTO attio_opportunities_raw (id, project_id, workspace_id, external_id, account_external_id) VALUES "
        "('ad:1', $P, 'w', 'd1', 'acc-1'), ('ad:2', $P, 'w', 'd2', 'acc-2'), ('ad:3', $P, 'w', 'd3', 'acc-missing'), "
        "('ad:4', $P, 'w', 'd4', NULL), ('ad:5', $P, 'w', 'd5', 'acc-legacy');"
        "INSERT INTO crm_opportunities (project_id, account_id, title, stage, next_step, external_ref, source_system) "
        "SELECT $P, a.id, 'Deal ' || o.ref, 'discovery', 'Review next action', o.ref, 'attio' "
        "FROM (VALUES ('d1', 'acc-1'), ('d2', 'acc-2'), ('d5', 'acc-legacy')) AS o(ref, account) "
        "JOIN crm_accounts a ON a.project_id = $P AND a.external_ref = o.account");
  seed_other_project(f);

  auto r = f.run(f.p1, "scheduler", 75);
  auto linear = r["metrics"][1];
  CHECK(linear["completeness_pct"] == 75);  // mean(75, 75, 75): one blank state, state type, title each
  CHECK(linear["total_count"] == 4);
  CHECK(linear["missing_count"] == 3);
  CHECK(linear["payload"]["blocked_issues"] == 1);
  auto attio = r["metrics"][2];
  // mapped accounts 2/3, mapped deals 3/5, refs resolvable 3/4 (acc-missing is not), deals with a ref 4/5
  CHECK(attio["completeness_pct"] == 70.42);
  CHECK(attio["total_count"] == 8);
  CHECK(attio["missing_count"] == 2);
  CHECK(attio["payload"]["mapped_accounts_total"] == 2);
  CHECK(attio["payload"]["mapped_opportunities_total"] == 3);
  CHECK(attio["payload"]["opportunities_unmapped_to_crm_account"] == 1);
  CHECK(attio["payload"]["opportunities_without_account_ref"] == 1);
  CHECK(r["metrics"][0]["completeness_pct"] == 100);  // no Chatwoot rows in P1
  // (100·1 + 75·4 + 70.42·8) / 13 = 74.10
  CHECK(r["summary"] ==
        json{{"completeness_pct", 74.1}, {"missing_count", 5}, {"duplicate_count", 0}, {"total_count", 12}});
  // 75 is not below 75; attio and portfolio are.
  pqxx::nontransaction tx(f.conn);
  CHECK(tx.exec_params1("SELECT string_agg(payload->>'connector', ',' ORDER BY payload->>'connector') "
                        "FROM audit_events WHERE project_id = $1 AND action = 'reconciliation.completeness_drop'",
                        f.p1.id)[0]
            .as<std::string>() == "attio,portfolio");
}

TEST_CASE("reconciliation list and diff: latest per connector, daily trend without portfolio, previous run") {
  Fixture f;
  CHECK(f.diff(f.p1) == json{{"diff", json::array()}});
  CHECK(f.list(f.p1, 14, 500) ==
        json{{"latest", json::array()}, {"trend", json::array()}, {"by_connector", json::array()}});

  seed_worked_example(f);
  f.run(f.p1);
  f.sql(f.p1,
        "UPDATE sync_reconciliation_metrics SET captured_at = captured_at - interval '1 day' WHERE project_id = $P;"
        // a row outside a 14-day window
        "INSERT INTO sync_reconciliation_metrics (project_id, connector, source, completeness_pct, total_count, "
        "captured_at) VALUES ($P, 'linear', 'manual', 10, 7, now() - interval '30 days');"
        // every message gets its contact: chatwoot becomes mean(100, 75, 80) = 85
        "UPDATE cw_messages SET contact_global_id = 'cw:1' WHERE project_id = $P");
  auto second = f.run(f.p1, "sync_cycle");
  CHECK(second["metrics"][0]["completeness_pct"] == 85);
  seed_other_project(f);
  f.run(f.p2);
  const auto days = today_and_yesterday(f.conn);

  auto list = f.list(f.p1, 14, 500);
  REQUIRE(list["latest"].size() == 4);
  std::vector<std::string> order;
  for (const auto& l : list["latest"]) order.push_back(l["connector"]);
  CHECK(order == std::vector<std::string>{"attio", "chatwoot", "linear", "portfolio"});
  auto latest = list["latest"][1];
  CHECK(latest["source"] == "sync_cycle");
  CHECK(latest["completeness_pct"] == 85);
  CHECK(latest["missing_count"] == 1);
  CHECK(latest["duplicate_count"] == 1);
  CHECK(latest["total_count"] == 19);
  CHECK(latest["payload"]["messages_without_contact"] == 0);
  CHECK(latest["captured_at"] == second["captured_at"]);
  CHECK(list["latest"][3]["completeness_pct"] == 86.43);  // (85·19 + 100 + 100) / 21

  // yesterday: mean(78.33, 100, 100); today: mean(85, 100, 100); the 30-day-old row is out.
  CHECK(list["trend"] == json::array({
                             {{"point", days[1]}, {"completeness_pct", 92.78}, {"missing_count", 3},
                              {"duplicate_count", 1}, {"total_count", 19}},
                             {{"point", days[0]}, {"completeness_pct", 95}, {"missing_count", 1},
                              {"duplicate_count", 1}, {"total_count", 19}},
                         }));
  REQUIRE(list["by_connector"].size() == 6);
  CHECK(list["by_connector"][1] == json{{"point", days[1]}, {"connector", "chatwoot"}, {"completeness_pct", 78.33},
                                        {"missing_count", 3}, {"duplicate_count", 1}, {"total_count", 19}});
  CHECK(list["by_connector"][3]["point"] == days[0]);
  CHECK(list["by_connector"][3]["connector"] == "attio");

  CHECK(f.list(f.p1, 1, 500)["trend"].size() == 1);     // today only
  CHECK(f.list(f.p1, 60, 500)["trend"].size() == 3);    // plus the old linear row
  CHECK(f.list(f.p1, 60, 1)["by_connector"].size() == 7);  // limit 1 is clamped to 20
  CHECK(f.list(f.p1, 0, 500)["trend"].size() == 1);     // days 0 is clamped to 1

  auto diff = f.diff(f.p1)["diff"];
  REQUIRE(diff.size() == 3);
  CHECK(diff[1] == json{{"connector", "chatwoot"},
                        {"current_pct", 85},
                        {"previous_pct", 78.33},
                        {"delta_pct", 6.67},
                        {"current_total", 19},
                        {"previous_total", 19},
                        {"delta_total", 0},
                        {"current_missing", 1},
                        {"previous_missing", 3},
                        {"captured_at", second["captured_at"]}});
  CHECK(diff[0]["connector"] == "attio");
  CHECK(diff[2]["connector"] == "linear");
  CHECK(diff[2]["previous_pct"] == 100);
  CHECK(diff[2]["delta_pct"] == 0);

  // A single run: no previous row, so previous = current for pct and 0 for the counts.
  auto single = f.diff(f.p2)["diff"];
  REQUIRE(single.size() == 3);
  CHECK(single[1]["connector"] == "chatwoot");
  CHECK(single[1]["current_pct"] == 50);
  CHECK(single[1]["previous_pct"] == 50);
  CHECK(single[1]["delta_pct"] == 0);
  CHECK(single[1]["current_total"] == 5);
  CHECK(single[1]["previous_total"] == 0);
  CHECK(single[1]["delta_total"] == 5);
  CHECK(single[1]["previous_missing"] == 0);

  // "Previous" is before the earliest latest row: a newer lone chatwoot row is compared with
  // the run before the last full run, not with that run.
  f.sql(f.p1,
        "INSERT INTO sync_reconciliation_metrics (project_id, connector, source, completeness_pct, total_count, "
        "captured_at) VALUES ($P, 'chatwoot', 'manual', 50, 19, now() + interval '1 minute')");
  auto lone = f.diff(f.p1)["diff"][1];
  CHECK(lone["current_pct"] == 50);
  CHECK(lone["previous_pct"] == 78.33);
  CHECK(lone["delta_pct"] == -28.33);
}

TEST_CASE("reconciliation: an unknown source is a validation error and writes nothing") {
  Fixture f;
  pqxx::work tx(f.conn);
  try {
    run_reconciliation(tx, f.p1.id, f.p1.account_scope_id, "nightly");
    FAIL("expected a validation error");
  } catch (const Error& e) {
    CHECK(e.error_class() == ErrorClass::invalid_params);
    CHECK(e.code() == "validation_error");
  }
  CHECK(tx.exec1("SELECT count(*) FROM sync_reconciliation_metrics")[0].as<int>() == 0);
}
