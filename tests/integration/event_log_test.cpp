#include <doctest/doctest.h>

#include <map>
#include <pqxx/pqxx>

#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"
#include "labctl/domains/connectors/event_log.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "support/test_cluster.hpp"
#include "support/two_projects.hpp"

using namespace labctl;
using namespace labctl::connectors;
using json = nlohmann::json;

namespace {

struct Fixture : test::TwoProjects {

  void sql(const std::string& statement) {
    pqxx::work tx(conn);
    tx.exec(statement);
    tx.commit();
  }
  // `$P` in the text stands for the project id, quoted.
  void sql(const projects::Project& p, std::string statement) {
    for (auto pos = statement.find("$P"); pos != std::string::npos; pos = statement.find("$P"))
      statement.replace(pos, 2, "'" + p.id + "'");
    sql(statement);
  }
  json derive(const projects::Project& p, const std::string& connector, std::optional<std::string> since,
              std::optional<std::string> until, int limit = 3000, int lookback = 14) {
    pqxx::work tx(conn);
    auto r = derive_event_log(tx, p.id, p.account_scope_id, connector, since, until, limit, lookback);
    tx.commit();
    return r;
  }
  // event_type → count, for one project.
  std::map<std::string, int> counts(const projects::Project& p) {
    pqxx::nontransaction tx(conn);
    std::map<std::string, int> out;
    for (const auto& r : tx.exec_params(
             "SELECT event_type, count(*) FROM connector_events WHERE project_id = $1 GROUP BY 1", p.id))
      out[r[0].c_str()] = r[1].as<int>();
    return out;
  }
  pqxx::row event(const projects::Project& p, const std::string& type, const std::string& source_ref) {
    pqxx::nontransaction tx(conn);
    return tx.exec_params1(
        "SELECT actor, source, source_url, source_message_id, source_linear_issue_id, source_attio_record_id, "
        "payload_json::text, dedupe_key, to_char(occurred_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), account_scope_id::text "
        "FROM connector_events WHERE project_id = $1 AND event_type = $2 AND source_ref = $3",
        p.id, type, source_ref);
  }
};

// The key as §7.2 defines it, computed independently of the SQL that stores it.
std::string expected_key(const std::string& source, const std::string& type, const std::string& ref,
                         const std::string& occurred_at) {
  std::string joined = source;
  for (const auto* part : {&type, &ref, &occurred_at}) {
    joined.push_back('\0');
    joined += *part;
  }
  return sha256_hex(joined);
}

// A Chatwoot message row in account 7, conversation 100; `sender`, `created` and `updated` are SQL expressions.
std::string message(const std::string& tag, int message_id, const std::string& conversation, const std::string& sender,
                    const std::string& content, const std::string& created, const std::string& updated = "NULL",
                    bool is_private = false) {
  return "INSERT INTO cw_messages (id, project_id, account_id, message_id, conversation_id, conversation_global_id, "
         "sender_type, content, data, created_at, updated_at, private) VALUES ('cwmsg:" + tag + ":7:" +
         std::to_string(message_id) + "', $P, 7, " + std::to_string(message_id) + ", 100, '" + conversation + "', " +
         sender + ", '" + content + "', '{}', " + created + ", " + updated + ", " + (is_private ? "true" : "false") +
         ");";
}

const std::string kSince = "2026-03-01T00:00:00.000Z";
const std::string kUntil = "2026-03-10T00:00:00.000Z";

}  // namespace

TEST_CASE("event_log chatwoot: message_sent in (since, until], keyword events in English and Russian, idempotent") {
  Fixture f;
  f.sql(f.p1,
        message("a", 1, "conv-a", "'Contact'", "Please APPROVE the new mockups", "'2026-03-02T10:00:00Z'") +
            message("a", 2, "conv-a", "'User'", "Нужно ПОДТВЕРДИТЬ бюджет, и ещё Доработка дизайна",
                    "'2026-03-03T10:00:00Z'") +
            message("a", 3, "conv-a", "NULL", "Change Request: one more landing page", "'2026-03-03T11:00:00Z'") +
            message("a", 4, "conv-a", "'contact'", std::string(350, 'x'), "'2026-03-04T10:00:00Z'") +
            message("a", 5, "conv-a", "'Contact'", "approve, too early", "'2026-02-20T10:00:00Z'") +
            message("a", 6, "conv-a", "'Contact'", "exactly at since", "'2026-03-01T00:00:00Z'") +
            message("a", 7, "conv-a", "'Contact'", "exactly at until", "'2026-03-10T00:00:00Z'") +
            message("a", 8, "conv-a", "'Contact'", "one second late", "'2026-03-10T00:00:01Z'") +
            // created long ago, edited inside the window: the window is on COALESCE(updated_at, created_at)
            message("a", 9, "conv-a", "'Contact'", "это вне скоупа", "'2026-02-01T09:00:00Z'",
                    "'2026-03-05T00:00:00Z'") +
            message("a", 10, "conv-a", "'Agent'", "согласуйте, пожалуйста", "'2026-03-06T00:00:00Z'"));
  // Another project's messages in the same window never show up in P1's log.
  f.sql(f.p2, message("b", 1, "conv-b", "'User'", "approve please", "'2026-03-02T10:00:00Z'"));

  // The window comes back normalised to UTC with milliseconds.
  auto r = f.derive(f.p1, "chatwoot", "2026-03-01T03:00:00+03:00", "2026-03-10T00:00:00Z");
  CHECK(r["connector"] == "chatwoot");
  CHECK(r["since_ts"] == kSince);
  CHECK(r["until_ts"] == kUntil);
  // 1: sent+approval, 2: sent+approval+scope, 3: sent+scope, 4: sent, 7: sent, 9: sent+scope, 10: sent+approval
  CHECK(r["generated"] == 13);
  CHECK(r["inserted"] == 13);
  CHECK(f.counts(f.p1) == std::map<std::string, int>{
                              {"message_sent", 7}, {"approval_requested", 3}, {"scope_change_detected", 3}});
  CHECK(f.counts(f.p2).empty());

  auto sent = f.event(f.p1, "message_sent", "cwmsg:a:7:1");
  CHECK(std::string(sent[0].c_str()) == "client");
  CHECK(std::string(sent[1].c_str()) == "chatwoot");
  CHECK(std::string(sent[2].c_str()) == "chatwoot://accounts/7/conversations/100/messages/1");
  CHECK(std::string(sent[3].c_str()) == "cwmsg:a:7:1");
  CHECK(sent[4].is_null());
  CHECK(sent[5].is_null());
  CHECK(json::parse(sent[6].c_str()) == json{{"conversation_global_id", "conv-a"},
                                             {"message_global_id", "cwmsg:a:7:1"},
                                             {"sender_type", "Contact"},
                                             {"private", false},
                                             {"message_type", nullptr},
                                             {"created_at", "2026-03-02T10:00:00.000Z"},
                                             {"updated_at", nullptr},
                                             {"snippet", "Please APPROVE the new mockups"}});
  CHECK(std::string(sent[7].c_str()) ==
        expected_key("chatwoot", "message_sent", "cwmsg:a:7:1", "2026-03-02T10:00:00.000Z"));
  CHECK(std::string(sent[9].c_str()) == f.p1.account_scope_id);

  auto approval = f.event(f.p1, "approval_requested", "cwmsg:a:7:2");  // Russian, upper case
  CHECK(std::string(approval[0].c_str()) == "team");
  CHECK(std::string(approval[7].c_str()) ==
        expected_key("chatwoot", "approval_requested", "cwmsg:a:7:2", "2026-03-03T10:00:00.000Z"));
  CHECK(std::string(f.event(f.p1, "scope_change_detected", "cwmsg:a:7:2")[0].c_str()) == "team");
  CHECK(std::string(f.event(f.p1, "scope_change_detected", "cwmsg:a:7:3")[0].c_str()) == "system");
  CHECK(std::string(f.event(f.p1, "approval_requested", "cwmsg:a:7:10")[0].c_str()) == "team");  // Agent
  // Edited message: occurred_at is the creation time.
  CHECK(std::string(f.event(f.p1, "scope_change_detected", "cwmsg:a:7:9")[8].c_str()) == "2026-02-01T09:00:00.000Z");
  CHECK(json::parse(f.event(f.p1, "message_sent", "cwmsg:a:7:4")[6].c_str())["snippet"] == std::string(300, 'x'));

  // Same window again: the same candidates, nothing new.
  auto again = f.derive(f.p1, "chatwoot", kSince, kUntil);
  CHECK(again["generated"] == 13);
  CHECK(again["inserted"] == 0);
  {
    pqxx::nontransaction tx(f.conn);
    CHECK(tx.exec1("SELECT count(*) FROM connector_events")[0].as<int>() == 13);
  }

  // P2's own run sees only its message (whose conversation has been waiting on the client since).
  auto p2 = f.derive(f.p2, "chatwoot", kSince, kUntil);
  CHECK(p2["generated"] == 3);
  CHECK(p2["inserted"] == 3);
  CHECK(f.counts(f.p2) == std::map<std::string, int>{
                              {"message_sent", 1}, {"approval_requested", 1}, {"client_silent_started", 1}});
}

TEST_CASE("event_log keyword match does not depend on the database locale") {
  Fixture f;
  // Under the C collation lower() folds ASCII only; upper-case Cyrillic must still match.
  f.sql("ALTER TABLE cw_messages ALTER COLUMN content TYPE text COLLATE \"C\"");
  f.sql(f.p1, message("c", 1, "conv-c", "'Contact'", "ПОДТВЕРДИТЕ СМЕТУ", "'2026-03-02T00:00:00Z'") +
                  message("c", 2, "conv-c", "'Contact'", "ЭТО ВНЕ СКОУПА", "'2026-03-03T00:00:00Z'") +
                  message("c", 3, "conv-c", "'Contact'", "СОГЛАСУЕМ", "'2026-03-04T00:00:00Z'"));
  auto r = f.derive(f.p1, "chatwoot", kSince, kUntil);
  CHECK(r["inserted"] == 6);
  CHECK(f.counts(f.p1) == std::map<std::string, int>{
                              {"message_sent", 3}, {"approval_requested", 2}, {"scope_change_detected", 1}});
}

TEST_CASE("event_log window defaults to now − lookback days .. now; the limit takes the oldest rows") {
  Fixture f;
  f.sql(f.p1, message("a", 1, "conv-a", "'User'", "in", "now() - interval '2 days'") +
                  message("a", 2, "conv-a", "'User'", "too old", "now() - interval '4 days'") +
                  message("a", 3, "conv-a", "'User'", "future", "now() + interval '1 hour'"));
  auto r = f.derive(f.p1, "chatwoot", std::nullopt, std::nullopt, 3000, 3);
  CHECK(r["generated"] == 1);
  CHECK(r["inserted"] == 1);
  {
    pqxx::nontransaction tx(f.conn);
    CHECK(tx.exec_params1("SELECT $2::timestamptz - $1::timestamptz = interval '3 days', "
                          "abs(extract(epoch FROM now() - $2::timestamptz)) < 60",
                          r["since_ts"].get<std::string>(), r["until_ts"].get<std::string>())[0]
              .as<bool>());
    CHECK(tx.exec_params1("SELECT source_ref FROM connector_events WHERE project_id = $1", f.p1.id)[0].as<std::string>() ==
          "cwmsg:a:7:1");
  }
  // Lookback is clamped to [1..90]: 0 → 1 day, so the 2-day-old message is outside.
  auto clamped = f.derive(f.p1, "chatwoot", std::nullopt, std::nullopt, 3000, 0);
  CHECK(clamped["generated"] == 0);

  // 12 messages in the window; limit 1 is clamped to 10, and the 10 oldest are taken.
  std::string rows;
  for (int i = 1; i <= 12; ++i)
    rows += message("l", i, "conv-l", "'Contact'", "m",
                    "'2026-03-02T00:00:00Z'::timestamptz + interval '" + std::to_string(i) + " minutes'");
  f.sql(f.p2, rows);
  auto limited = f.derive(f.p2, "chatwoot", kSince, kUntil, 1);
  CHECK(limited["generated"] == 10);
  pqxx::nontransaction tx(f.conn);
  CHECK(tx.exec_params1("SELECT string_agg(split_part(source_ref, ':', 4), ',' ORDER BY occurred_at) "
                        "FROM connector_events WHERE project_id = $1",
                        f.p2.id)[0]
            .as<std::string>() == "1,2,3,4,5,6,7,8,9,10");
}

TEST_CASE("event_log client_silent_started: last non-private team message after the client's, ≥ 4 days before until") {
  Fixture f;
  f.sql(f.p1,
        // A: client, then the team 5 days before until → silent
        message("s", 1, "conv-A", "'Contact'", "q", "'2026-02-20T00:00:00Z'") +
            message("s", 2, "conv-A", "'User'", "answer", "'2026-03-05T00:00:00Z'") +
            // B: team answered only 2 days ago → not yet
            message("s", 3, "conv-B", "'Contact'", "q", "'2026-03-01T00:00:00Z'") +
            message("s", 4, "conv-B", "'User'", "answer", "'2026-03-08T00:00:00Z'") +
            // C: team only → silent
            message("s", 5, "conv-C", "'Agent'", "hello?", "'2026-03-01T00:00:00Z'") +
            // D: the client wrote last → not silent
            message("s", 6, "conv-D", "'User'", "answer", "'2026-02-25T00:00:00Z'") +
            message("s", 7, "conv-D", "'Contact'", "thanks", "'2026-02-26T00:00:00Z'") +
            // E: the team's last word is a private note → no team message counts
            message("s", 8, "conv-E", "'Contact'", "q", "'2026-02-20T00:00:00Z'") +
            message("s", 9, "conv-E", "'User'", "internal", "'2026-03-01T00:00:00Z'", "NULL", true) +
            // F: after the client only a system message (no sender type) → not a team message
            message("s", 10, "conv-F", "'Contact'", "q", "'2026-02-20T00:00:00Z'") +
            message("s", 11, "conv-F", "NULL", "conversation resolved", "'2026-03-01T00:00:00Z'") +
            // G: exactly 4 days before until → silent
            message("s", 12, "conv-G", "'Contact'", "q", "'2026-02-20T00:00:00Z'") +
            message("s", 13, "conv-G", "'User'", "answer", "'2026-03-06T00:00:00Z'"));
  f.sql(f.p2, message("t", 1, "conv-P2", "'User'", "answer", "'2026-03-01T00:00:00Z'"));

  // A one-minute window: no message events, only silence (which is not windowed by since).
  auto r = f.derive(f.p1, "chatwoot", "2026-03-09T23:59:00Z", kUntil);
  CHECK(r["generated"] == 3);
  CHECK(r["inserted"] == 3);
  CHECK(f.counts(f.p1) == std::map<std::string, int>{{"client_silent_started", 3}});
  CHECK(f.counts(f.p2).empty());

  auto a = f.event(f.p1, "client_silent_started", "conv-A");
  CHECK(std::string(a[0].c_str()) == "system");
  CHECK(std::string(a[1].c_str()) == "chatwoot");
  CHECK(a[2].is_null());
  CHECK(std::string(a[8].c_str()) == "2026-03-05T00:00:00.000Z");
  CHECK(json::parse(a[6].c_str()) == json{{"conversation_global_id", "conv-A"},
                                          {"last_team_message_at", "2026-03-05T00:00:00.000Z"},
                                          {"last_client_message_at", "2026-02-20T00:00:00.000Z"}});
  CHECK(std::string(a[7].c_str()) ==
        expected_key("chatwoot", "client_silent_started", "conv-A", "2026-03-05T00:00:00.000Z"));
  CHECK(json::parse(f.event(f.p1, "client_silent_started", "conv-C")[6].c_str())["last_client_message_at"].is_null());
  CHECK(std::string(f.event(f.p1, "client_silent_started", "conv-G")[8].c_str()) == "2026-03-06T00:00:00.000Z");

  // A later run finds the same silences (same team timestamps): nothing new; B has now aged enough.
  auto later = f.derive(f.p1, "chatwoot", kUntil, "2026-03-12T00:00:00Z");
  CHECK(later["generated"] == 4);
  CHECK(later["inserted"] == 1);
  CHECK(std::string(f.event(f.p1, "client_silent_started", "conv-B")[8].c_str()) == "2026-03-08T00:00:00.000Z");
}

TEST_CASE("event_log linear: issue_created plus issue_blocked or issue_unblocked per updated issue") {
  Fixture f;
  const std::string cols =
      "INSERT INTO linear_issues_raw (id, project_id, workspace_id, external_id, title, state, blocked, "
      "blocked_by_count, due_date, completed_at, updated_at, created_at) VALUES ";
  f.sql(f.p1, cols +
                  "('linissue:w:LIN-1', $P, 'w', 'LIN-1', 'Landing', 'In Progress', false, 0, '2026-03-20', NULL, "
                  "'2026-03-02T08:00:00Z', '2026-01-01T00:00:00Z'),"
                  "('linissue:w:LIN-2', $P, 'w', 'LIN-2', 'API', 'Todo', true, 2, NULL, NULL, "
                  "'2026-03-03T08:00:00Z', '2026-01-01T00:00:00Z'),"
                  "('linissue:w:LIN-3', $P, 'w', 'LIN-3', 'Never updated', 'Done', false, 0, NULL, "
                  "'2026-03-04T07:00:00Z', NULL, '2026-03-04T08:00:00Z'),"
                  "('linissue:w:LIN-4', $P, 'w', 'LIN-4', 'Old', 'Done', false, 0, NULL, NULL, "
                  "'2026-02-01T08:00:00Z', '2026-01-01T00:00:00Z')");
  // The same external id in another project: its own events, same keys, no clash.
  f.sql(f.p2, cols +
                  "('linissue:w2:LIN-1', $P, 'w2', 'LIN-1', 'Landing', 'In Progress', false, 0, NULL, NULL, "
                  "'2026-03-02T08:00:00Z', '2026-01-01T00:00:00Z')");

  auto r = f.derive(f.p1, "linear", kSince, kUntil);
  CHECK(r["connector"] == "linear");
  CHECK(r["generated"] == 6);
  CHECK(r["inserted"] == 6);
  CHECK(f.counts(f.p1) ==
        std::map<std::string, int>{{"issue_created", 3}, {"issue_blocked", 1}, {"issue_unblocked", 2}});

  auto blocked = f.event(f.p1, "issue_blocked", "LIN-2");
  CHECK(std::string(blocked[0].c_str()) == "system");
  CHECK(std::string(blocked[1].c_str()) == "linear");
  CHECK(std::string(blocked[2].c_str()) == "linear://issues/LIN-2");
  CHECK(std::string(blocked[4].c_str()) == "LIN-2");
  CHECK(std::string(blocked[8].c_str()) == "2026-03-03T08:00:00.000Z");
  CHECK(json::parse(blocked[6].c_str()) == json{{"issue_id", "LIN-2"},
                                                {"title", "API"},
                                                {"state", "Todo"},
                                                {"blocked", true},
                                                {"blocked_by_count", 2},
                                                {"due_date", nullptr},
                                                {"completed_at", nullptr}});
  CHECK(std::string(blocked[7].c_str()) == expected_key("linear", "issue_blocked", "LIN-2", "2026-03-03T08:00:00.000Z"));
  auto first = json::parse(f.event(f.p1, "issue_created", "LIN-1")[6].c_str());
  CHECK(first["due_date"] == "2026-03-20");
  // No updated_at: created_at stands in, so the key is stable across runs.
  auto never = f.event(f.p1, "issue_unblocked", "LIN-3");
  CHECK(std::string(never[8].c_str()) == "2026-03-04T08:00:00.000Z");
  CHECK(json::parse(never[6].c_str())["completed_at"] == "2026-03-04T07:00:00.000Z");

  CHECK(f.derive(f.p1, "linear", kSince, kUntil)["inserted"] == 0);

  // LIN-2 gets unblocked: a new update, two new events.
  f.sql("UPDATE linear_issues_raw SET blocked = false, blocked_by_count = 0, updated_at = '2026-03-05T08:00:00Z' "
        "WHERE id = 'linissue:w:LIN-2'");
  auto after = f.derive(f.p1, "linear", kSince, kUntil);
  CHECK(after["generated"] == 6);
  CHECK(after["inserted"] == 2);
  CHECK(f.counts(f.p1) ==
        std::map<std::string, int>{{"issue_created", 4}, {"issue_blocked", 1}, {"issue_unblocked", 3}});

  auto p2 = f.derive(f.p2, "linear", kSince, kUntil);
  CHECK(p2["inserted"] == 2);
  CHECK(std::string(f.event(f.p2, "issue_created", "LIN-1")[7].c_str()) ==
        std::string(f.event(f.p1, "issue_created", "LIN-1")[7].c_str()));
}

TEST_CASE("event_log attio: deal_stage_changed; activity types by rule, the last match wins") {
  Fixture f;
  f.sql(f.p1,
        "INSERT INTO attio_opportunities_raw (id, project_id, workspace_id, external_id, account_external_id, title, "
        "stage, amount, probability, expected_close_date, updated_at) VALUES "
        "('attiodeal:w:D1', $P, 'w', 'D1', 'C1', 'Redesign', 'proposal', 1200.50, 0.6, '2026-04-01', "
        "'2026-03-02T00:00:00Z'),"
        "('attiodeal:w:D2', $P, 'w', 'D2', 'C1', 'Old', 'won', 0, 1, NULL, '2026-02-02T00:00:00Z')");
  const std::string acts =
      "INSERT INTO attio_activities_raw (id, project_id, workspace_id, external_id, record_external_id, "
      "activity_type, note, actor_name, occurred_at, updated_at) VALUES ";
  auto act = [](const std::string& ext, const std::string& record, const std::string& type,
                const std::string& occurred) {
    return "('attioact:w:" + ext + "', $P, 'w', '" + ext + "', " + record + ", " + type + ", 'n-" + ext +
           "', 'Ann', " + occurred + ", '2026-03-03T00:00:00Z')";
  };
  f.sql(f.p1, acts + act("A1", "'D1'", "'Note'", "'2026-02-15T00:00:00Z'") + "," +
                  act("A2", "'D1'", "'invoice_sent'", "'2026-03-01T01:00:00Z'") + "," +
                  act("A3", "'D1'", "'note_invoice_paid'", "'2026-03-01T02:00:00Z'") + "," +
                  act("A4", "'D1'", "'invoice_sent_note'", "'2026-03-01T03:00:00Z'") + "," +
                  act("A5", "'D1'", "'call'", "'2026-03-01T04:00:00Z'") + "," +
                  act("A6", "'D1'", "'invoiceXsent'", "'2026-03-01T05:00:00Z'") + "," +
                  act("A7", "NULL", "'INVOICE_PAID'", "'2026-03-01T06:00:00Z'") + "," +
                  act("A8", "'  '", "NULL", "NULL"));
  f.sql(f.p2, acts + act("B1", "'X'", "'note'", "'2026-03-01T00:00:00Z'"));

  auto r = f.derive(f.p1, "attio", kSince, kUntil);
  CHECK(r["connector"] == "attio");
  CHECK(r["generated"] == 9);
  CHECK(r["inserted"] == 9);
  std::map<std::string, std::string> type_of;
  {
    pqxx::nontransaction tx(f.conn);
    for (const auto& row : tx.exec_params(
             "SELECT source_ref, event_type FROM connector_events WHERE project_id = $1 AND source_ref LIKE 'A%'",
             f.p1.id))
      type_of[row[0].c_str()] = row[1].c_str();
  }
  CHECK(type_of == std::map<std::string, std::string>{{"A1", "note_logged"},
                                                      {"A2", "invoice_sent"},
                                                      {"A3", "invoice_paid"},
                                                      {"A4", "invoice_sent"},
                                                      {"A5", "activity_logged"},
                                                      {"A6", "activity_logged"},
                                                      {"A7", "invoice_paid"},
                                                      {"A8", "activity_logged"}});

  auto deal = f.event(f.p1, "deal_stage_changed", "D1");
  CHECK(std::string(deal[0].c_str()) == "system");
  CHECK(std::string(deal[2].c_str()) == "attio://deals/D1");
  CHECK(std::string(deal[5].c_str()) == "D1");
  CHECK(json::parse(deal[6].c_str()) == json{{"deal_id", "D1"},
                                             {"stage", "proposal"},
                                             {"amount", 1200.5},
                                             {"probability", 0.6},
                                             {"expected_close_date", "2026-04-01"}});
  CHECK(std::string(deal[7].c_str()) == expected_key("attio", "deal_stage_changed", "D1", "2026-03-02T00:00:00.000Z"));

  auto note = f.event(f.p1, "note_logged", "A1");
  CHECK(std::string(note[0].c_str()) == "team");
  CHECK(std::string(note[2].c_str()) == "attio://activities/A1");
  CHECK(std::string(note[5].c_str()) == "D1");
  CHECK(std::string(note[8].c_str()) == "2026-02-15T00:00:00.000Z");  // occurred_at, not the window column
  CHECK(json::parse(note[6].c_str()) ==
        json{{"activity_type", "Note"}, {"note", "n-A1"}, {"actor_name", "Ann"}, {"record_external_id", "D1"}});
  CHECK(std::string(note[7].c_str()) == expected_key("attio", "note_logged", "A1", "2026-02-15T00:00:00.000Z"));
  CHECK(std::string(f.event(f.p1, "invoice_paid", "A7")[5].c_str()) == "A7");  // no record → the activity itself
  auto blank = f.event(f.p1, "activity_logged", "A8");
  CHECK(std::string(blank[5].c_str()) == "A8");
  CHECK(std::string(blank[8].c_str()) == "2026-03-03T00:00:00.000Z");  // NULL occurred_at → updated_at

  CHECK(f.derive(f.p1, "attio", kSince, kUntil)["inserted"] == 0);
  CHECK(f.counts(f.p2).empty());
}

TEST_CASE("event_log: an unknown connector is invalid_params and writes nothing") {
  Fixture f;
  pqxx::work tx(f.conn);
  try {
    derive_event_log(tx, f.p1.id, f.p1.account_scope_id, "slack", std::nullopt, std::nullopt);
    FAIL("expected unsupported_connector");
  } catch (const Error& e) {
    CHECK(e.error_class() == ErrorClass::invalid_params);
    CHECK(e.code() == "unsupported_connector");
  }
  CHECK(tx.exec1("SELECT count(*) FROM connector_events")[0].as<int>() == 0);
}
