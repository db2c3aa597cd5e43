// Portfolio and control tower (scheduler-and-intelligence.md §2.4, §5, §10 scenario 24; api.md §3
// and §8 scenario 37) through the CLI and a real `labctl serve`: the account scope and the
// selection, every section's figures on hand-made rows, the conversation view, the control
// tower's quirks kept, and bad input refused.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "labctl/domains/auth/passwords.hpp"
#include "support/checks.hpp"
#include "support/intelligence_fixture.hpp"
#include "support/labctl_process.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::body_of;

namespace {

struct PortfolioFixture : test::IntelligenceFixture {
  // P1 and P2 share the default account scope; P3 has one of its own.
  projects::Project p3 = projects::create(conn, {"P3", std::string("elsewhere"), std::string("Elsewhere")});

  void sql(const std::string& statement) { pqxx::nontransaction(conn).exec(statement); }
  std::string scoped(const projects::Project& p) { return "'" + p.id + "', '" + p.account_scope_id + "'"; }

  // The §5 example in P1: expected 9,999, 10 messages this week, health 80, two open risks.
  void chapter_example() {
    sql("INSERT INTO attio_opportunities_raw (id, project_id, account_scope_id, workspace_id, external_id, stage, amount, "
        "probability, expected_close_date) VALUES ('d1', " + scoped(p1) + ", 'w', 'd1', 'proposal', 9999, 0.5, "
        "current_date + 10)");
    for (int i = 0; i < 10; ++i) message(p1, "m" + std::to_string(i), "hello " + std::to_string(i), "1 hour");
    message(p1, "old", "last month", "20 days");
    sql("INSERT INTO health_scores (project_id, account_scope_id, score, generated_at) VALUES (" + scoped(p1) +
        ", 55, now() - interval '1 day'), (" + scoped(p1) + ", 80, now())");
    sql("INSERT INTO risk_radar_items (project_id, account_scope_id, severity, probability, title, status) VALUES (" +
        scoped(p1) + ", 2, 0.3, 'late', 'open'), (" + scoped(p1) + ", 4, 0.6, 'very late', 'open'), (" + scoped(p1) +
        ", 5, 0.9, 'over', 'closed')");
  }

  json cli(std::vector<std::string> args, int expect = 0) {
    args.insert(args.end(), {"-o", "json"});
    auto r = test::labctl(args, env);
    INFO(r.err);
    CHECK(r.exit_code == expect);
    return expect == 0 ? json::parse(r.out) : json::parse(r.err.empty() ? "{}" : r.err);
  }
};

}  // namespace

TEST_CASE_FIXTURE(PortfolioFixture, "scenario 24: the account scope, the chapter's score and discount, the selection") {
  chapter_example();
  // No session scope: two scopes named → 409 account_scope_mismatch; none → account_scope_required;
  // none of them exists → 404 projects_not_found.
  auto mismatch = test::labctl({"portfolio", "overview", "--project-ids", p1.id + "," + p3.id, "-o", "json"}, env);
  CHECK(mismatch.exit_code == 4);
  CHECK(json::parse(mismatch.err)["error"] == "account_scope_mismatch");
  auto none = test::labctl({"portfolio", "overview"}, env);
  CHECK(none.exit_code == 4);
  CHECK(test::lines(none.err) == 1);
  CHECK(none.err.find("--project") != std::string::npos);
  auto unknown = test::labctl({"portfolio", "overview", "--project-ids", "6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c", "-o", "json"}, env);
  CHECK(unknown.exit_code == 3);
  CHECK(json::parse(unknown.err)["error"] == "projects_not_found");
  auto no_project = test::labctl({"portfolio", "messages", "-o", "json"}, env);
  CHECK(no_project.exit_code == 2);
  CHECK(json::parse(no_project.err)["error"] == "project_id_required");

  auto o = cli({"portfolio", "overview", "--project", p1.id});
  CHECK(o["selected_project_ids"] == json::array({p1.id}));  // none requested: the active project
  REQUIRE(o["projects"].size() == 2);                         // P1 and P2: the scope's, by name; never P3
  CHECK(o["projects"][0]["name"] == "P1");
  CHECK(o["projects"][1]["name"] == "P2");
  const json& row = o["dashboard"]["by_project"][0];
  CHECK(row["messages_7d"] == 10);
  CHECK(row["attio_pipeline_amount"] == 9999);
  CHECK(row["attio_expected_revenue"] == 4999.5);
  CHECK(row["expected_revenue"] == 9999);
  CHECK(row["health_score"] == 80);  // the newest
  CHECK(row["risks_open"] == 2);     // the closed one is not
  CHECK(row["client_value_score"] == 81);
  CHECK(row["discount_limit_pct"] == 14);
  CHECK(o["offers"]["discount_policy"]["by_project"][0]["discount_limit_pct"] == 14);

  // Both projects of the scope requested (P3 dropped): sorted by name, totals over both.
  auto both = cli({"portfolio", "overview", "--project", p1.id, "--project-ids", p3.id + "," + p2.id + "," + p1.id});
  CHECK(both["selected_project_ids"] == json::array({p2.id, p1.id}));
  const json& totals = both["dashboard"]["totals"];
  CHECK(totals["selected_projects"] == 2);
  CHECK(totals["messages_7d"] == 10);
  CHECK(totals["expected_revenue"] == 9999);
  CHECK(totals["avg_health_score"] == 40);         // (80 + 0) / 2
  CHECK(totals["avg_client_value_score"] == 51.5);  // (81 + 22) / 2
  CHECK(totals["sync_completeness_pct"] == 100);   // no reconciliation yet
}

TEST_CASE_FIXTURE(PortfolioFixture, "portfolio overview: every section from its rows, limits, an empty selection") {
  chapter_example();
  message(p1, "long", std::string(700, 'x'), "5 minutes");
  message(p1, "blank", "   ", "1 minute");
  message(p2, "p2msg", "the other project", "2 minutes");
  sql("INSERT INTO evidence_items (project_id, account_scope_id, source_type, source_table, source_pk, snippet) VALUES (" +
      scoped(p1) + ", 'chatwoot_message', 'cw_messages', 'a', 'We signed the ДОГОВОР today'), (" + scoped(p1) +
      ", 'chatwoot_message', 'cw_messages', 'b', 'weather is nice'), (" + scoped(p1) +
      ", 'linear_issue', 'linear_issues_raw', 'c', 'Deadline moved')");
  sql("INSERT INTO signals (project_id, account_scope_id, signal_type, severity, confidence, summary, dedupe_key, status) "
      "VALUES (" + scoped(p1) + ", 'delivery_risk', 5, 0.9, 'strong', 'k1', 'proposed'), (" + scoped(p1) +
      ", 'delivery_risk', 3, 0.9, 'weak', 'k2', 'proposed'), (" + scoped(p1) +
      ", 'delivery_risk', 5, 0.9, 'dismissed', 'k3', 'dismissed')");
  sql("INSERT INTO risk_pattern_events (project_id, account_scope_id, pattern_key, title, weight, status) VALUES (" +
      scoped(p1) + ", 'composite', 'pattern', 0.5, 'open')");
  sql("INSERT INTO upsell_opportunities (project_id, account_scope_id, title, score, status, dedupe_key, "
      "suggested_offer_payload) VALUES (" + scoped(p1) + ", 'more', 0.7, 'proposed', 'u1', '{\"discount_pct\": 12}'), (" +
      scoped(p1) + ", 'best', 0.9, 'proposed', 'u2', '{}'), (" + scoped(p1) + ", 'gone', 0.99, 'dismissed', 'u3', '{}')");
  sql("INSERT INTO offers (project_id, account_scope_id, title, subtotal, discount_pct, total, status) VALUES (" +
      scoped(p1) + ", 'signed one', 1000, 10, 900, 'signed'), (" + scoped(p1) + ", 'draft one', 500, 0, 500, 'draft')");
  deal("CRM won", "won", "Invoice");
  sql("UPDATE crm_opportunities SET amount_estimate = 3000 WHERE title = 'CRM won'");
  sql("INSERT INTO attio_opportunities_raw (id, project_id, account_scope_id, workspace_id, external_id, stage, amount, "
      "probability) VALUES ('d2', " + scoped(p1) + ", 'w', 'd2', 'Closed-Won', 7000, 1)");
  sql("INSERT INTO cw_contacts (id, project_id, account_scope_id, account_id, contact_id, name, email, data) VALUES "
      "('cwc:1:1', " + scoped(p1) + ", 1, 1, 'Ann', 'Ann@x.io ', '{}'), ('cwc:1:2', " + scoped(p1) +
      ", 1, 2, 'Bob', 'ann@x.io', '{}'), ('cwc:1:3', " + scoped(p1) + ", 1, 3, 'Cy', NULL, '{}')");
  sql("INSERT INTO analytics_revenue_snapshots (project_id, account_scope_id, period_start, horizon_days, pipeline_amount, "
      "expected_revenue, costs_amount, gross_margin) VALUES (" + scoped(p1) + ", '2026-01-01', 30, 100, 50, 20, 30), (" +
      scoped(p1) + ", '2026-01-01', 60, 999, 999, 999, 999), (" + scoped(p1) + ", '2026-02-01', 30, 200, 80, 40, 40)");

  auto o = cli({"portfolio", "overview", "--project", p1.id, "--message-limit", "5", "--card-limit", "4"});
  // Messages: the newest non-blank of the selection, cut to 600 characters.
  REQUIRE(o["messages"].size() == 5);
  CHECK(o["messages"][0]["id"] == "long");
  CHECK(o["messages"][0]["content"].get<std::string>().size() == 600);
  for (const auto& m : o["messages"]) CHECK(m["id"] != "blank");
  // Agreements: the keywords, any case, Russian too.
  REQUIRE(o["agreements"].size() == 2);
  for (const auto& a : o["agreements"]) CHECK(a["source_pk"] != "b");
  // Risks: radar items, strong live signals, open patterns (0.5 → severity 3), by severity; card_limit 4.
  REQUIRE(o["risks"].size() == 4);
  CHECK(o["risks"][0]["kind"] == "signal");
  CHECK(o["risks"][0]["severity"] == 5);
  CHECK(o["risks"][1]["title"] == "very late");
  CHECK(o["risks"][2]["kind"] == "pattern");
  CHECK(o["risks"][2]["severity"] == 3);
  CHECK(o["risks"][3]["title"] == "late");
  // Finances: won deals from CRM and Attio, signed offers, the newest snapshot's costs and margin.
  const json& fin = o["finances"]["by_project"][0];
  CHECK(fin["deal_amount"] == 10000);
  CHECK(fin["signed_total"] == 900);
  CHECK(fin["costs_amount"] == 40);
  CHECK(fin["gross_margin"] == 40);
  CHECK(fin["forecast_days"] == 10);
  json funnel = o["finances"]["charts"]["funnel_nodes"];
  CHECK(funnel[2] == json{{"stage", "proposal"}, {"deals", 1}, {"amount", 9999.0}});
  CHECK(funnel[4] == json{{"stage", "won"}, {"deals", 2}, {"amount", 10000.0}});
  // Trend: the 30-day horizon summed per month, oldest first; the charts that have rows.
  auto trend = o["dashboard"]["trend"];
  REQUIRE(trend.size() == 2);
  CHECK(trend[0]["period_start"] == "2026-01-01");
  CHECK(trend[0]["pipeline_amount"] == 100);
  auto burn = o["dashboard"]["charts"]["burn_vs_budget"];
  REQUIRE(burn.size() == 2);
  CHECK(burn[1] == json{{"period", "2026-02-01"}, {"costs_amount", 40.0}, {"pipeline_amount", 200.0}});
  REQUIRE(o["dashboard"]["charts"]["health_score"].size() == 2);
  CHECK(o["dashboard"]["charts"]["health_score"][1]["score"] == 80);
  CHECK(o["dashboard"]["charts"]["risks_trend"][0]["high_signals"] == 2);
  // Offers: live upsell by score with the payload's discount, recent offers; Loops: e-mails.
  REQUIRE(o["offers"]["upsell"].size() == 2);
  CHECK(o["offers"]["upsell"][0]["title"] == "best");
  CHECK(o["offers"]["upsell"][0]["suggested_discount_pct"] == 0);
  CHECK(o["offers"]["upsell"][1]["suggested_discount_pct"] == 12);
  CHECK(o["offers"]["recent_offers"].size() == 2);
  CHECK(o["loops"] == json{{"contacts_with_email", 2}, {"unique_emails", 1}});

  // A project with nothing: the complete structure, zeros, one trend point for today.
  auto empty = cli({"portfolio", "overview", "--project", p2.id, "--project-ids", p2.id});
  CHECK(empty["selected_project_ids"] == json::array({p2.id}));
  CHECK(empty["dashboard"]["by_project"][0]["client_value_score"] == 23);  // 22 + 0.8 for its one message
  CHECK(empty["dashboard"]["trend"].size() == 1);
  CHECK(empty["risks"].empty());
  CHECK(empty["finances"]["charts"]["funnel_nodes"].size() == 6);
  for (const char* key : {"projects", "selected_project_ids", "dashboard", "messages", "agreements", "risks",
                          "finances", "offers", "loops"})
    CHECK(empty.contains(key));

  // Bad input from the CLI is refused; over HTTP list limits clamp, bad ids are 400 invalid_uuid.
  auto low = test::labctl({"portfolio", "overview", "--project", p1.id, "--message-limit", "4"}, env);
  CHECK(low.exit_code == 2);
  test::Server server(env);
  auto http = server.session(p1.id);
  auto clamped = body_of(http.Get("/portfolio/overview?message_limit=1&card_limit=1000"));
  CHECK(clamped["messages"].size() == 5);  // clamped up to 5
  auto bad = http.Get("/portfolio/overview?project_ids=" + p1.id + ",not-a-uuid");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(body_of(bad)["error"] == "invalid_uuid");
  std::string many;
  for (int i = 0; i < 101; ++i) many += (i ? "," : "") + p1.id;
  auto too_many = http.Get("/portfolio/overview?project_ids=" + many);
  REQUIRE(too_many);
  CHECK(too_many->status == 400);
}

TEST_CASE_FIXTURE(PortfolioFixture, "api scenario 37: the session's scope filters the request, a pm sees assigned projects only") {
  chapter_example();
  test::Server server(env);
  auto owner = server.session(p1.id);
  auto r = body_of(owner.Get("/portfolio/overview?project_ids=" + p1.id + "," + p3.id));
  CHECK(r["selected_project_ids"] == json::array({p1.id}));
  auto missing = owner.Get("/portfolio/messages");
  REQUIRE(missing);
  CHECK(missing->status == 400);
  CHECK(body_of(missing)["error"] == "project_id_required");
  auto foreign = owner.Get("/portfolio/messages?project_id=" + p3.id);
  REQUIRE(foreign);
  CHECK(foreign->status == 404);
  CHECK(body_of(foreign)["error"] == "project_not_found");

  const std::string pm = pqxx::nontransaction(conn)
                             .exec1("INSERT INTO app_users (username, password_hash, role) VALUES ('pm1', '" +
                                    auth::hash_password("pm-password-1", 4) + "', 'pm') RETURNING id::text")[0]
                             .c_str();
  sql("INSERT INTO project_assignments (user_id, project_id) VALUES ('" + pm + "', '" + p1.id + "')");
  auto as_pm = server.session(std::nullopt, "pm1", "pm-password-1");
  auto seen = body_of(as_pm.Get("/portfolio/overview?project_ids=" + p1.id + "," + p2.id));
  CHECK(seen["selected_project_ids"] == json::array({p1.id}));
  REQUIRE(seen["projects"].size() == 1);
  CHECK(seen.dump().find(p2.id) == std::string::npos);
  auto p2_messages = as_pm.Get("/portfolio/messages?project_id=" + p2.id);
  REQUIRE(p2_messages);
  CHECK(p2_messages->status == 404);
}

TEST_CASE_FIXTURE(PortfolioFixture, "portfolio messages: persons, the selected contact, authors, attachments, oldest first") {
  sql("INSERT INTO cw_contacts (id, project_id, account_scope_id, account_id, contact_id, name, email, identifier, "
      "phone_number, data, updated_at) VALUES "
      "('cwc:1:1', " + scoped(p1) + ", 1, 1, ' ', 'ann@x.io', NULL, NULL, '{}', now()), "
      "('cwc:1:2', " + scoped(p1) + ", 1, 2, NULL, NULL, NULL, '+100', '{}', now() - interval '1 day'), "
      "('cwc:1:3', " + scoped(p1) + ", 1, 3, NULL, NULL, NULL, NULL, '{}', now() - interval '2 days')");
  auto add = [&](const std::string& id, const std::string& contact, const std::string& sender_type,
                 const std::string& data, const std::string& age) {
    sql("INSERT INTO cw_messages (id, project_id, account_scope_id, account_id, message_id, conversation_id, "
        "conversation_global_id, contact_global_id, sender_type, content, data, created_at) VALUES ('" + id + "', " +
        scoped(p1) + ", 1, 1, 10, 'cw:1:10', '" + contact + "', " + sender_type + ", 'text " + id + "', '" + data +
        "', now() - interval '" + age + "')");
  };
  add("a", "cwc:1:1", "'Contact'", "{}", "3 hours");
  add("b", "cwc:1:1", "'User'", "{\"sender\": {\"name\": \"Agent Smith\"}}", "2 hours");
  add("c", "cwc:1:1", "NULL", "{\"channel\": \"Channel::Email\"}", "1 hour");
  add("d", "cwc:1:2", "'contact'", "{}", "1 hour");
  for (int i = 0; i < 10; ++i)
    sql("INSERT INTO cw_attachments_raw (id, project_id, account_scope_id, account_id, message_global_id, content_type, "
        "file_url, payload) VALUES ('att" + std::to_string(i) + "', " + scoped(p1) + ", 1, 'a', 'image/png', "
        "'https://files.example/u/pic" + std::to_string(i) + ".png?sig=1', '{}')");

  auto m = cli({"portfolio", "messages", "--project-id", p1.id});
  REQUIRE(m["persons"].size() == 3);
  CHECK(m["persons"][0]["name"] == "ann@x.io");  // a blank name: the e-mail
  CHECK(m["persons"][1]["name"] == "+100");      // the phone number
  CHECK(m["persons"][2]["name"] == "Контакт");
  CHECK(m["selected_contact_global_id"] == "cwc:1:1");  // none asked: the first
  REQUIRE(m["messages"].size() == 3);
  CHECK(m["messages"][0]["id"] == "a");  // oldest first
  CHECK(m["messages"][0]["sender_type"] == "contact");
  CHECK(m["messages"][0]["author_name"] == "ann@x.io");
  CHECK(m["messages"][1]["author_name"] == "Agent Smith");
  CHECK(m["messages"][2]["author_name"] == "Команда");
  CHECK(m["messages"][2]["sender_type"] == "unknown");
  CHECK(m["messages"][2]["channel"] == "Channel::Email");
  CHECK(m["messages"][1]["channel"] == "chatwoot");
  REQUIRE(m["messages"][0]["attachments"].size() == 8);
  CHECK(m["messages"][0]["attachments"][0] ==
        json{{"id", "att0"}, {"name", "pic0.png"}, {"url", "https://files.example/u/pic0.png?sig=1"},
             {"content_type", "image/png"}});

  auto other = cli({"portfolio", "messages", "--project-id", p1.id, "--contact", "cwc:1:2"});
  REQUIRE(other["messages"].size() == 1);
  CHECK(other["messages"][0]["author_name"] == "+100");
  auto unlisted = cli({"portfolio", "messages", "--project-id", p1.id, "--contact", "cwc:9:9"});
  CHECK(unlisted["selected_contact_global_id"] == "cwc:1:1");
  auto elsewhere = test::labctl({"portfolio", "messages", "--project", p1.id, "--project-id", p3.id}, env);
  CHECK(elsewhere.exit_code == 3);  // another account scope's project
}

TEST_CASE_FIXTURE(PortfolioFixture, "control tower: the integrations' figures with the reference's quirks, NBA, evidence") {
  chapter_example();
  sql("INSERT INTO attio_opportunities_raw (id, project_id, account_scope_id, workspace_id, external_id, stage, amount) "
      "VALUES ('won', " + scoped(p1) + ", 'w', 'won', 'won', 5000)");
  sql("INSERT INTO attio_accounts_raw (id, project_id, account_scope_id, workspace_id, external_id, name, annual_revenue) "
      "VALUES ('acc', " + scoped(p1) + ", 'w', 'acc', 'Acme', 120000)");
  issue("i1", "LP", -2);
  issue("i2", "LP", 3);
  issue("i3", "LP", -5, /*done=*/true);
  sql("INSERT INTO sync_watermarks (source, project_id, account_scope_id, cursor_id) VALUES ('chatwoot:1', " + scoped(p1) +
      ", 'c'), ('linear:w', " + scoped(p1) + ", 'l'), ('other:x', " + scoped(p1) + ", 'o'), ('chatwoot:2', " + scoped(p2) +
      ", 'p2')");
  for (int i = 0; i < 10; ++i)
    sql("INSERT INTO next_best_actions (project_id, account_scope_id, signal_id, action_type, summary, dedupe_key) "
        "VALUES (" + scoped(p1) + ", '" + signal(p1, "s" + std::to_string(i), 4, 0.8) + "', 'triage_signal', 'act', 'n" +
        std::to_string(i) + "')");
  for (int i = 0; i < 14; ++i)
    sql("INSERT INTO evidence_items (project_id, account_scope_id, source_type, source_table, source_pk) VALUES (" +
        scoped(p1) + ", 'chatwoot_message', 'cw_messages', 'e" + std::to_string(i) + "')");

  auto c = cli({"control-tower", "--project", p1.id});
  CHECK(c["project_id"] == p1.id);
  const json& in = c["integrations"];
  REQUIRE(in["sync_watermarks"].size() == 2);
  CHECK(in["sync_watermarks"][0]["source"] == "chatwoot:1");
  CHECK(in["linear"] == json{{"issues_total", 3}, {"issues_open", 2}, {"issues_overdue", 1}});
  CHECK(in["attio"] == json{{"accounts", 1}, {"annual_revenue", 120000.0}, {"pipeline_amount", 14999.0}});  // closed too
  CHECK(in["chatwoot"] == json{{"conversations", 11}, {"messages_7d", 10}});  // "conversations" counts messages
  CHECK(c["top_nba"].size() == 8);
  CHECK(c["evidence"].size() == 12);
  CHECK(c["risk"]["health"]["score"] == 80);
  CHECK(c["risk"]["risks"].size() == 3);
  CHECK(c["analytics"].contains("revenue"));

  test::Server server(env);
  auto http = server.session(p2.id);
  auto p2_tower = body_of(http.Get("/control-tower"));
  CHECK(p2_tower["project_id"] == p2.id);
  CHECK(p2_tower["integrations"]["sync_watermarks"].size() == 1);
  CHECK(p2_tower["top_nba"].empty());
}
