#include "labctl/domains/intelligence/health_risk.hpp"

#include <set>

#include "labctl/core/json_optional.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/rows.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/intelligence/risk_model.hpp"

namespace labctl::intelligence {
namespace {

using nlohmann::json;

const char* kPatternKey = "delivery_risk_cluster";
const char* kPatternTitle = "Delivery risk pattern cluster";
const char* kRadarTitle = "Project delivery/commercial risk composite";
const char* kMitigation = "Run mitigation playbook and prioritize accepted NBA items.";

json playbook() {
  return {{"steps",
           {"Review the top open signals and their evidence", "Accept or dismiss stale signals",
            "Create or refresh the mitigation next best actions", "Align the delivery timeline with the client"}}};
}

std::vector<Factor> factors_from(const json& stored) {
  std::vector<Factor> out;
  if (!stored.is_array()) return out;
  for (const auto& f : stored)
    if (f.is_object() && f.contains("key") && f["key"].is_string() && f.contains("value") && f["value"].is_number())
      out.push_back({f["key"], f["value"], f.value("operational_only", false)});
  return out;
}

}  // namespace

void to_json(json& j, const Factor& f) {
  j = {{"key", f.key}, {"value", f.value}};
  if (f.operational_only) j["operational_only"] = true;
}

void to_json(json& j, const RiskRefresh& r) {
  j = {{"health_score", r.health_score}, {"factors", r.factors}, {"total_pressure", r.total_pressure}};
}

void to_json(json& j, const HealthScore& h) {
  j = {{"score", h.score}, {"factors", h.factors}, {"generated_at", h.generated_at}};
}

void to_json(json& j, const RadarItem& r) {
  j = {{"id", r.id},
       {"severity", r.severity},
       {"probability", r.probability},
       {"title", r.title},
       {"mitigation_action", r.mitigation_action},
       {"status", r.status},
       {"evidence_refs", r.evidence_refs},
       {"updated_at", r.updated_at}};
}

void to_json(json& j, const RiskPattern& p) {
  j = {{"id", p.id},       {"pattern_key", p.pattern_key}, {"title", p.title},
       {"weight", p.weight}, {"status", p.status},         {"mitigation_playbook", p.mitigation_playbook},
       {"evidence_refs", p.evidence_refs}, {"updated_at", p.updated_at}};
}

void to_json(json& j, const RiskOverview& o) {
  j = {{"health", o.health}, {"risks", o.risks}, {"patterns", o.patterns}};
}

RiskRefresh refresh_risk(pqxx::transaction_base& tx, const std::string& project, const std::string& scope) {
  // One refresh of a project at a time: the current pattern and radar item stay one each.
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('labctl.risk_refresh:' || $1, 0))", project);
  auto in = tx.exec_params1(
      "SELECT (SELECT coalesce(jsonb_agg(jsonb_build_array(s.severity, s.confidence, s.evidence_refs) "
      "          ORDER BY s.created_at DESC, s.id), '[]'::jsonb) "
      "        FROM (SELECT severity, confidence, evidence_refs, created_at, id FROM signals "
      "              WHERE project_id = $1::uuid AND account_scope_id = $2::uuid AND status IN ('proposed', 'accepted') "
      "              ORDER BY created_at DESC, id LIMIT 300) s)::text, "
      "  (SELECT count(*) FROM linear_issues_raw WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
      "     AND completed_at IS NULL AND due_date < (now() AT TIME ZONE 'UTC')::date), "
      "  (SELECT count(*) FROM job_runs WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
      "     AND status = 'failed' AND started_at > now() - interval '7 days')",
      project, scope);
  std::vector<WeightedSignal> signals;
  json evidence = json::array();
  std::set<std::string> seen;
  for (const auto& s : json::parse(in[0].c_str())) {
    signals.push_back({s[0].get<int>(), s[1].get<double>()});
    for (const auto& ref : s[2])
      if (evidence.size() < 25 && ref.is_string() && seen.insert(ref.get<std::string>()).second) evidence.push_back(ref);
  }
  RiskFigures f = risk_figures(signals, in[1].as<long long>(), in[2].as<long long>());
  RiskRefresh result{round2(f.health),
                     {{"signal_pressure", round2(f.signal_pressure)},
                      {"overdue_pressure", round2(f.overdue_pressure)},
                      {"failed_job_pressure", round2(f.failed_job_pressure), true}},
                     round2(f.total)};
  tx.exec_params("INSERT INTO health_scores (project_id, account_scope_id, score, factors) VALUES ($1::uuid, $2::uuid, $3, $4::jsonb)",
                 project, scope, result.health_score, db::jsonb_text(result.factors));
  const std::string refs = db::jsonb_text(evidence);
  tx.exec_params(
      "WITH current AS (SELECT id FROM risk_pattern_events WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
      "                   AND pattern_key = $3 AND status = 'open' ORDER BY updated_at DESC, id LIMIT 1), "
      "updated AS (UPDATE risk_pattern_events r SET weight = $5, mitigation_playbook = $6::jsonb, "
      "              evidence_refs = $7::jsonb, title = $4, updated_at = now() FROM current WHERE r.id = current.id "
      "            RETURNING r.id) "
      "INSERT INTO risk_pattern_events (project_id, account_scope_id, pattern_key, title, weight, mitigation_playbook, "
      "  evidence_refs) SELECT $1::uuid, $2::uuid, $3, $4, $5, $6::jsonb, $7::jsonb WHERE NOT EXISTS (SELECT 1 FROM updated)",
      project, scope, kPatternKey, kPatternTitle, f.pattern_weight, db::jsonb_text(playbook()), refs);
  tx.exec_params(
      "WITH current AS (SELECT id FROM risk_radar_items WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
      "                   AND title = $3 AND status <> 'closed' ORDER BY updated_at DESC, id LIMIT 1), "
      "updated AS (UPDATE risk_radar_items r SET severity = $4, probability = $5, mitigation_action = $6, "
      "              evidence_refs = $7::jsonb, updated_at = now() FROM current WHERE r.id = current.id RETURNING r.id) "
      "INSERT INTO risk_radar_items (project_id, account_scope_id, severity, probability, title, mitigation_action, "
      "  evidence_refs) SELECT $1::uuid, $2::uuid, $4, $5, $3, $6, $7::jsonb WHERE NOT EXISTS (SELECT 1 FROM updated)",
      project, scope, kRadarTitle, f.severity, f.probability, kMitigation, refs);
  return result;
}

RiskOverview risk_overview(pqxx::transaction_base& tx, const std::string& project, const std::string& scope) {
  RiskOverview o;
  auto health = tx.exec_params("SELECT score::float8, factors::text, " + db::iso_utc("generated_at") +
                                   " FROM health_scores WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
                                   "ORDER BY generated_at DESC, id LIMIT 1",
                               project, scope);
  if (!health.empty())
    o.health = HealthScore{health[0][0].as<double>(), factors_from(json::parse(health[0][1].c_str())), health[0][2].c_str()};
  for (const auto& r : tx.exec_params("SELECT id::text, severity, probability::float8, title, mitigation_action, status, "
                                      "evidence_refs::text, " + db::iso_utc("updated_at") +
                                          " FROM risk_radar_items WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
                                          "ORDER BY updated_at DESC, id LIMIT 30",
                                      project, scope))
    o.risks.push_back({r[0].c_str(), r[1].as<int>(), r[2].as<double>(), r[3].c_str(), db::optional_text(r[4]),
                       r[5].c_str(), json::parse(r[6].c_str()), r[7].c_str()});
  for (const auto& r : tx.exec_params("SELECT id::text, pattern_key, title, weight::float8, status, mitigation_playbook::text, "
                                      "evidence_refs::text, " + db::iso_utc("updated_at") +
                                          " FROM risk_pattern_events WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
                                          "ORDER BY updated_at DESC, id LIMIT 30",
                                      project, scope))
    o.patterns.push_back({r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].as<double>(), r[4].c_str(),
                          json::parse(r[5].c_str()), json::parse(r[6].c_str()), r[7].c_str()});
  return o;
}

}  // namespace labctl::intelligence
