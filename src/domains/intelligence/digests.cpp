#include "labctl/domains/intelligence/digests.hpp"

#include <set>

#include "labctl/core/json_optional.hpp"
#include "labctl/core/iso_time.hpp"
#include "labctl/db/rows.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/intelligence/analytics.hpp"
#include "labctl/domains/intelligence/health_risk.hpp"
#include "labctl/domains/intelligence/signals.hpp"

namespace labctl::intelligence {
namespace {

using nlohmann::json;

json brief(const std::vector<NextBestAction>& actions) {
  json out = json::array();
  for (const auto& a : actions)
    out.push_back({{"id", a.id}, {"action_type", a.action_type}, {"priority", a.priority}, {"status", a.status},
                   {"summary", a.summary}});
  return out;
}

// The refs of `lists` in order, each once, at most `limit`.
void add_refs(json& out, std::set<std::string>& seen, const json& refs, size_t limit) {
  for (const auto& r : refs)
    if (out.size() < limit && r.is_string() && !r.get<std::string>().empty() && seen.insert(r.get<std::string>()).second)
      out.push_back(r);
}

const char* table_of(DigestKind kind) { return kind == DigestKind::daily ? "daily_digests" : "weekly_digests"; }
const char* period_column(DigestKind kind) { return kind == DigestKind::daily ? "digest_date" : "week_start"; }

Digest stored(pqxx::transaction_base& tx, DigestKind kind, const std::string& project, const std::string& scope,
              const std::string& period, const json& summary, const json& evidence) {
  const std::string table = table_of(kind), column = period_column(kind);
  auto r = tx.exec_params1(
      "INSERT INTO " + table + " (project_id, account_scope_id, " + column + ", summary, evidence_refs) "
      "VALUES ($1::uuid, $2::uuid, $3::date, $4::jsonb, $5::jsonb) "
      "ON CONFLICT (project_id, " + column + ") DO UPDATE SET summary = excluded.summary, "
      "  evidence_refs = excluded.evidence_refs, created_at = now() "
      "RETURNING id::text, " + db::iso_utc("created_at"),
      project, scope, period, db::jsonb_text(summary), db::jsonb_text(evidence));
  return {kind, r[0].c_str(), project, period, summary, evidence, r[1].c_str()};
}

}  // namespace

void to_json(json& j, const Digest& d) {
  j = {{"id", d.id},
       {"project_id", d.project_id},
       {period_column(d.kind), d.period},
       {"summary", d.summary},
       {"evidence_refs", d.evidence_refs},
       {"created_at", d.created_at}};
}

Digest generate_daily_digest(pqxx::transaction_base& tx, const std::string& project, const std::string& scope,
                             const std::string& date) {
  // Each highlight: how many, and (up to 20 of) which.
  auto h = tx.exec_params1(
      "WITH s AS (SELECT id::text AS id, severity, confidence, created_at FROM signals "
      "           WHERE project_id = $1::uuid AND account_scope_id = $2::uuid AND status = 'proposed'), "
      "i AS (SELECT id, due_date FROM linear_issues_raw WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
      "      AND completed_at IS NULL AND due_date < (now() AT TIME ZONE 'UTC')::date), "
      "o AS (SELECT id::text AS id, status, created_at FROM outbound_messages "
      "      WHERE project_id = $1::uuid AND account_scope_id = $2::uuid AND status IN ('draft', 'approved', 'failed')) "
      "SELECT (SELECT count(*) FROM s), "
      "  (SELECT coalesce(jsonb_agg(id ORDER BY severity DESC, confidence DESC, created_at DESC, id), '[]') "
      "     FROM (SELECT * FROM s ORDER BY severity DESC, confidence DESC, created_at DESC, id LIMIT 20) t)::text, "
      "  (SELECT count(*) FROM i), "
      "  (SELECT coalesce(jsonb_agg(id ORDER BY due_date, id), '[]') FROM (SELECT * FROM i ORDER BY due_date, id LIMIT 20) t)::text, "
      "  (SELECT jsonb_object_agg(st, jsonb_build_object('count', n, 'ids', ids)) FROM ("
      "     SELECT st, (SELECT count(*) FROM o WHERE o.status = st) AS n, "
      "       (SELECT coalesce(jsonb_agg(id ORDER BY created_at DESC, id), '[]') FROM "
      "          (SELECT id, created_at FROM o WHERE o.status = st ORDER BY created_at DESC, id LIMIT 20) t) AS ids "
      "     FROM unnest(ARRAY['draft', 'approved', 'failed']) AS st) x)::text",
      project, scope);
  json outbound = json::parse(h[4].c_str());
  json highlights = {{"proposed_signals", h[0].as<long long>()},
                     {"overdue_issues", h[2].as<long long>()},
                     {"outbound_draft", outbound["draft"]["count"]},
                     {"outbound_approved", outbound["approved"]["count"]},
                     {"outbound_failed", outbound["failed"]["count"]}};
  json counted = {{"proposed_signals", json::parse(h[1].c_str())},
                  {"overdue_issues", json::parse(h[3].c_str())},
                  {"outbound_draft", outbound["draft"]["ids"]},
                  {"outbound_approved", outbound["approved"]["ids"]},
                  {"outbound_failed", outbound["failed"]["ids"]}};
  auto top = top_actions(tx, project, scope, 8);
  bool empty = top.empty();
  for (const auto& [k, v] : highlights.items()) empty = empty && v.get<long long>() == 0;
  json evidence = json::array();
  std::set<std::string> seen;
  for (const auto& a : top) add_refs(evidence, seen, a.evidence_refs, 50);
  json summary = {{"project_id", project},   {"account_scope_id", scope},     {"digest_date", date},
                  {"generated_at", iso_now()}, {"highlights", highlights},      {"highlights_evidence", counted},
                  {"top_nba", brief(top)},   {"is_empty", empty}};
  return stored(tx, DigestKind::daily, project, scope, date, summary, evidence);
}

Digest generate_weekly_digest(pqxx::transaction_base& tx, const std::string& project, const std::string& scope,
                              const std::string& date) {
  auto w = tx.exec_params1(
      "SELECT date_trunc('week', $3::date)::date::text, "
      "  (SELECT count(*) FROM attio_opportunities_raw WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
      "     AND (stage IS NULL OR lower(stage) NOT IN ('won', 'lost', 'closed-won', 'closed-lost')))",
      project, scope, date);
  const std::string week_start = w[0].c_str();
  auto analytics = analytics_overview(tx, project, scope);
  auto risk = risk_overview(tx, project, scope);
  auto top = top_actions(tx, project, scope, 12);
  json top_risks = json::array(), patterns = json::array(), evidence = json::array();
  std::set<std::string> seen;
  for (const auto& a : top) add_refs(evidence, seen, a.evidence_refs, 80);
  for (size_t i = 0; i < risk.risks.size() && i < 5; ++i) {
    top_risks.push_back(risk.risks[i]);
    add_refs(evidence, seen, risk.risks[i].evidence_refs, 80);
  }
  for (size_t i = 0; i < risk.patterns.size() && i < 5; ++i) patterns.push_back(risk.patterns[i]);
  json summary = {
      {"project_id", project},
      {"account_scope_id", scope},
      {"week_start", week_start},
      {"generated_at", iso_now()},
      {"portfolio",
       {{"open_pipeline", w[1].as<long long>()},
        {"revenue", analytics.revenue},
        {"delivery", analytics.delivery},
        {"comms", analytics.comms}}},
      {"risk", {{"health", risk.health}, {"top_risks", top_risks}, {"patterns", patterns}}},
      {"growth", {{"top_nba", brief(top)}}},
      {"is_empty", top.empty() && risk.risks.empty() && !risk.health && analytics.revenue.empty() && w[1].as<long long>() == 0}};
  return stored(tx, DigestKind::weekly, project, scope, week_start, summary, evidence);
}

std::vector<Digest> list_digests(pqxx::transaction_base& tx, DigestKind kind, const std::string& project,
                                 const std::string& scope, const std::optional<std::string>& date, long long limit) {
  const std::string column = period_column(kind);
  const std::string wanted = kind == DigestKind::daily ? "$3::date" : "date_trunc('week', $3::date)::date";
  std::vector<Digest> out;
  for (const auto& r : tx.exec_params(
           "SELECT id::text, " + column + "::text, summary::text, evidence_refs::text, " + db::iso_utc("created_at") +
               " FROM " + table_of(kind) + " WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
               "  AND ($3::date IS NULL OR " + column + " = " + wanted + ") "
               "ORDER BY " + column + " DESC, created_at DESC LIMIT $4",
           project, scope, date, limit))
    out.push_back({kind, r[0].c_str(), project, r[1].c_str(), json::parse(r[2].c_str()), json::parse(r[3].c_str()),
                   r[4].c_str()});
  return out;
}

}  // namespace labctl::intelligence
