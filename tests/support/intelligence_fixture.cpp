#include "support/intelligence_fixture.hpp"

#include <doctest/doctest.h>

#include "support/checks.hpp"
#include "support/labctl_process.hpp"

namespace labctl::test {

IntelligenceFixture::IntelligenceFixture() : env(test_env(url)) {}

void IntelligenceFixture::message(const projects::Project& p, const std::string& id, const std::string& text,
                                  const std::string& age, bool is_private) {
  pqxx::nontransaction(conn).exec_params(
      "INSERT INTO cw_messages (id, project_id, account_scope_id, account_id, message_id, conversation_id, "
      "  conversation_global_id, content, data, created_at, private, message_type) "
      "VALUES ($1, $2::uuid, $3::uuid, 1, 1, 10, 'cw:1:10', $4, '{}', now() - $5::interval, $6, '0')",
      id, p.id, p.account_scope_id, text, age, is_private);
}

void IntelligenceFixture::issue(const std::string& id, const std::string& linear_project, int due_in_days, bool done) {
  pqxx::nontransaction(conn).exec_params(
      "INSERT INTO linear_issues_raw (id, project_id, account_scope_id, workspace_id, external_id, "
      "  linear_project_external_id, title, due_date, completed_at) "
      "VALUES ($1, $2::uuid, $3::uuid, 'w', $1, $4, 'Issue', current_date + $5::int, CASE WHEN $6 THEN now() END)",
      id, p1.id, p1.account_scope_id, linear_project, due_in_days, done);
}

std::string IntelligenceFixture::deal(const std::string& title, const std::string& stage, const std::string& next_step) {
  auto account = pqxx::nontransaction(conn).exec_params1(
      "INSERT INTO crm_accounts (project_id, account_scope_id, name) VALUES ($1::uuid, $2::uuid, 'Acme') "
      "ON CONFLICT (project_id, name) DO UPDATE SET name = excluded.name RETURNING id::text",
      p1.id, p1.account_scope_id);
  return pqxx::nontransaction(conn)
      .exec_params1("INSERT INTO crm_opportunities (project_id, account_scope_id, account_id, title, stage, next_step) "
                    "VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6) RETURNING id::text",
                    p1.id, p1.account_scope_id, account[0].c_str(), title, stage, next_step)[0]
      .c_str();
}

std::string IntelligenceFixture::signal(const projects::Project& p, const std::string& key, int severity,
                                        double confidence, const std::string& status) {
  return pqxx::nontransaction(conn)
      .exec_params1("INSERT INTO signals (project_id, account_scope_id, signal_type, severity, confidence, summary, "
                    "  dedupe_key, status, evidence_refs) "
                    "VALUES ($1::uuid, $2::uuid, 'delivery_risk', $3, $4, 'fixture', $5::text, $6, jsonb_build_array($5::text))"
                    " RETURNING id::text",
                    p.id, p.account_scope_id, severity, confidence, key, status)[0]
      .c_str();
}

void IntelligenceFixture::job_run(const std::string& status, const std::string& age) {
  pqxx::nontransaction(conn).exec_params(
      "INSERT INTO job_runs (job_name, status, started_at, project_id, account_scope_id) "
      "VALUES ('fixture', $1, now() - $2::interval, $3::uuid, $4::uuid)",
      status, age, p1.id, p1.account_scope_id);
}

nlohmann::json IntelligenceFixture::run(std::vector<std::string> args) {
  args.insert(args.end(), {"--project", p1.id, "-o", "json"});
  auto r = labctl(args, env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return nlohmann::json::parse(r.out);
}

long long IntelligenceFixture::count(const std::string& sql) { return query_value(url, sql); }

}  // namespace labctl::test
