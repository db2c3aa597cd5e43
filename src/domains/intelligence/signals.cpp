#include "labctl/domains/intelligence/signals.hpp"

#include <algorithm>
#include <map>

#include "labctl/core/error.hpp"
#include "labctl/core/json_optional.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/rows.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/intelligence/signal_rules.hpp"

namespace labctl::intelligence {
namespace {

using nlohmann::json;

struct Candidate {
  std::string signal_type;
  int severity;
  double confidence;
  std::string summary, source_kind, source_ref;
  json evidence_refs;
};

const std::string kSignalColumns =
    "id::text, signal_type, severity, confidence::float8, summary, status, source_kind, dedupe_key, evidence_refs::text, "
    "account_id::text, opportunity_id::text, " + db::iso_utc("created_at");

const std::string kActionColumns =
    "id::text, signal_id::text, action_type, priority, status, summary, evidence_refs::text, due_date::text, "
    "owner_username, dedupe_key, " + db::iso_utc("created_at") + ", " + db::iso_utc("updated_at");

Signal signal_from(const pqxx::row& r) {
  return {r[0].c_str(), r[1].c_str(), r[2].as<int>(), r[3].as<double>(), r[4].c_str(), r[5].c_str(), r[6].c_str(),
          r[7].c_str(), json::parse(r[8].c_str()), db::optional_text(r[9]), db::optional_text(r[10]), r[11].c_str()};
}

NextBestAction action_from(const pqxx::row& r) {
  return {r[0].c_str(), db::optional_text(r[1]), r[2].c_str(), r[3].as<int>(), r[4].c_str(), r[5].c_str(),
          json::parse(r[6].c_str()), db::optional_text(r[7]), db::optional_text(r[8]), db::optional_text(r[9]),
          r[10].c_str(), r[11].c_str()};
}

// §3.1 messages: non-private, the last 14 days, the newest 600, their first 1,200 characters.
void message_candidates(pqxx::transaction_base& tx, const std::string& project, const std::string& scope,
                        std::vector<Candidate>& out) {
  for (const auto& r : tx.exec_params(
           "SELECT id, conversation_global_id, left(content, 1200) FROM cw_messages "
           "WHERE project_id = $1::uuid AND account_scope_id = $2::uuid AND NOT private AND content IS NOT NULL "
           "  AND created_at > now() - interval '14 days' "
           "ORDER BY created_at DESC, id DESC LIMIT 600",
           project, scope)) {
    json evidence = json::array({r[0].c_str()});
    if (!r[1].is_null()) evidence.push_back(r[1].c_str());
    for (const auto* rule : matching_rules(r[2].c_str()))
      out.push_back({rule->signal_type, rule->severity, rule->confidence, rule->summary, "conversation", r[0].c_str(),
                     evidence});
  }
}

// §3.1 Linear: open overdue issues, one signal per Linear project.
void overdue_candidates(pqxx::transaction_base& tx, const std::string& project, const std::string& scope,
                        std::vector<Candidate>& out) {
  for (const auto& r : tx.exec_params(
           "SELECT coalesce(linear_project_external_id, 'unknown'), count(*), min(id) FROM linear_issues_raw "
           "WHERE project_id = $1::uuid AND account_scope_id = $2::uuid AND completed_at IS NULL "
           "  AND due_date < (now() AT TIME ZONE 'UTC')::date "
           "GROUP BY 1 ORDER BY 1",
           project, scope)) {
    long long n = r[1].as<long long>();
    out.push_back({"delivery_overdue", overdue_severity(n), overdue_confidence(n),
                   "Linear overdue issues: " + std::to_string(n), "linear",
                   std::string("linear_project:") + r[0].c_str(), json::array({r[2].c_str()})});
  }
}

// §3.1 CRM: the 200 most recently updated open deals whose next step is missing or under 6 characters.
void deal_candidates(pqxx::transaction_base& tx, const std::string& project, const std::string& scope,
                     std::vector<Candidate>& out) {
  for (const auto& r : tx.exec_params(
           "SELECT id::text, title FROM ("
           "  SELECT id, title, next_step, updated_at FROM crm_opportunities "
           "  WHERE project_id = $1::uuid AND account_scope_id = $2::uuid AND stage NOT IN ('won', 'lost') "
           "  ORDER BY updated_at DESC, id LIMIT 200) o "
           "WHERE char_length(btrim(coalesce(next_step, ''))) < 6 ORDER BY updated_at DESC, id",
           project, scope))
    out.push_back({"deal_without_next_step", 3, 0.72,
                   "Opportunity \"" + std::string(r[1].c_str()) + "\" has missing/weak next step", "crm", r[0].c_str(),
                   json::array({r[0].c_str()})});
}

}  // namespace

void to_json(json& j, const Signal& s) {
  j = {{"id", s.id},           {"signal_type", s.signal_type}, {"severity", s.severity},
       {"confidence", s.confidence}, {"summary", s.summary},   {"status", s.status},
       {"source_kind", s.source_kind}, {"dedupe_key", s.dedupe_key}, {"evidence_refs", s.evidence_refs},
       {"account_id", s.account_id}, {"opportunity_id", s.opportunity_id}, {"created_at", s.created_at}};
}

void to_json(json& j, const NextBestAction& a) {
  j = {{"id", a.id},         {"signal_id", a.signal_id}, {"action_type", a.action_type},
       {"priority", a.priority}, {"status", a.status},         {"summary", a.summary},
       {"evidence_refs", a.evidence_refs}, {"due_date", a.due_date}, {"owner_username", a.owner_username},
       {"dedupe_key", a.dedupe_key}, {"created_at", a.created_at}, {"updated_at", a.updated_at}};
}

void to_json(json& j, const Extraction& e) {
  j = {{"generated_candidates", e.generated_candidates}, {"touched_signals", e.touched_signals},
       {"touched_nba", e.touched_nba}};
}

Extraction extract_signals(pqxx::transaction_base& tx, const std::string& project, const std::string& scope) {
  std::vector<Candidate> candidates;
  message_candidates(tx, project, scope, candidates);
  overdue_candidates(tx, project, scope, candidates);
  deal_candidates(tx, project, scope, candidates);
  Extraction result{.generated_candidates = static_cast<long long>(candidates.size())};

  // Same-key candidates are merged first (the strongest severity and confidence, the first text).
  std::map<std::string, json> merged;
  std::vector<std::string> order;
  for (const auto& c : candidates) {
    std::string key = signal_key(project, c.signal_type, c.source_ref);
    int severity = stored_severity(c.severity);
    double confidence = stored_confidence(c.confidence);
    auto [it, fresh] = merged.try_emplace(key);
    if (fresh) {
      order.push_back(key);
      it->second = {{"signal_type", c.signal_type}, {"severity", severity}, {"confidence", confidence},
                    {"summary", utf8_prefix(c.summary, 1000)}, {"dedupe_key", key},
                    {"evidence_refs", c.evidence_refs}, {"source_kind", c.source_kind}};
    } else {
      it->second["severity"] = std::max(it->second["severity"].get<int>(), severity);
      it->second["confidence"] = std::max(it->second["confidence"].get<double>(), confidence);
    }
  }
  if (order.empty()) return result;
  json rows = json::array();
  for (const auto& key : order) rows.push_back(std::move(merged[key]));

  // New rows are proposed; existing ones keep status and created_at, never lose severity or
  // confidence, and take the new summary, evidence and source kind.
  auto signals = tx.exec_params(
      "INSERT INTO signals (project_id, account_scope_id, signal_type, severity, confidence, summary, dedupe_key, "
      "  evidence_refs, source_kind) "
      "SELECT $1::uuid, $2::uuid, c.signal_type, c.severity, c.confidence, c.summary, c.dedupe_key, c.evidence_refs, "
      "  c.source_kind "
      "FROM jsonb_to_recordset($3::jsonb) AS c(signal_type text, severity int, confidence numeric, summary text, "
      "  dedupe_key text, evidence_refs jsonb, source_kind text) "
      "ON CONFLICT (project_id, dedupe_key) DO UPDATE SET severity = greatest(signals.severity, excluded.severity), "
      "  confidence = greatest(signals.confidence, excluded.confidence), summary = excluded.summary, "
      "  evidence_refs = excluded.evidence_refs, source_kind = excluded.source_kind "
      "RETURNING id::text, signal_type, evidence_refs::text",
      project, scope, db::jsonb_text(rows));
  result.touched_signals = static_cast<long long>(signals.size());

  // Every upserted signal, whatever its status, gets its action (the reference's behaviour).
  json actions = json::array();
  for (const auto& r : signals) {
    const ActionRule& rule = action_for(r[1].c_str());
    actions.push_back({{"signal_id", r[0].c_str()}, {"action_type", rule.action_type}, {"priority", rule.priority},
                       {"summary", rule.summary}, {"evidence_refs", json::parse(r[2].c_str())},
                       {"dedupe_key", action_key(project, r[0].c_str(), rule.action_type)}});
  }
  auto touched = tx.exec_params(
      "INSERT INTO next_best_actions (project_id, account_scope_id, signal_id, action_type, priority, summary, "
      "  evidence_refs, dedupe_key) "
      "SELECT $1::uuid, $2::uuid, a.signal_id, a.action_type, a.priority, a.summary, a.evidence_refs, a.dedupe_key "
      "FROM jsonb_to_recordset($3::jsonb) AS a(signal_id uuid, action_type text, priority int, summary text, "
      "  evidence_refs jsonb, dedupe_key text) "
      "ON CONFLICT (project_id, dedupe_key) DO UPDATE SET priority = greatest(next_best_actions.priority, "
      "  excluded.priority), summary = excluded.summary, evidence_refs = excluded.evidence_refs, updated_at = now()",
      project, scope, db::jsonb_text(actions));
  result.touched_nba = static_cast<long long>(touched.affected_rows());
  return result;
}

std::vector<Signal> list_signals(pqxx::transaction_base& tx, const std::string& project, const std::string& scope,
                                 const SignalFilter& f) {
  std::vector<Signal> out;
  for (const auto& r : tx.exec_params("SELECT " + kSignalColumns + " FROM signals "
                                      "WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
                                      "  AND ($3::text IS NULL OR status = $3) AND severity >= $4 "
                                      "ORDER BY severity DESC, confidence DESC, created_at DESC, id LIMIT $5",
                                      project, scope, f.status, f.severity_min, f.limit))
    out.push_back(signal_from(r));
  return out;
}

std::vector<NextBestAction> list_actions(pqxx::transaction_base& tx, const std::string& project,
                                         const std::string& scope, const ActionFilter& f) {
  std::vector<NextBestAction> out;
  for (const auto& r : tx.exec_params("SELECT " + kActionColumns + " FROM next_best_actions "
                                      "WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
                                      "  AND ($3::text IS NULL OR status = $3) "
                                      "ORDER BY priority DESC, updated_at DESC, id LIMIT $4",
                                      project, scope, f.status, f.limit))
    out.push_back(action_from(r));
  return out;
}

std::vector<NextBestAction> top_actions(pqxx::transaction_base& tx, const std::string& project,
                                        const std::string& scope, long long limit) {
  std::vector<NextBestAction> out;
  for (const auto& r : tx.exec_params("SELECT " + kActionColumns + " FROM next_best_actions "
                                      "WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
                                      "  AND status IN ('proposed', 'accepted') "
                                      "ORDER BY status = 'accepted', priority DESC, updated_at DESC, id LIMIT $3",
                                      project, scope, limit))
    out.push_back(action_from(r));
  return out;
}

Signal set_signal_status(pqxx::transaction_base& tx, const std::string& project, const std::string& scope,
                         const std::string& id, const std::string& status) {
  auto rows = tx.exec_params("UPDATE signals SET status = $4 "
                             "WHERE project_id = $1::uuid AND account_scope_id = $2::uuid AND id = $3::uuid "
                             "RETURNING " + kSignalColumns,
                             project, scope, id, status);
  if (rows.empty()) throw not_found("signal_not_found", "signal " + id + " not found");
  return signal_from(rows[0]);
}

NextBestAction set_action_status(pqxx::transaction_base& tx, const std::string& project, const std::string& scope,
                                 const std::string& id, const std::string& status) {
  auto rows = tx.exec_params("UPDATE next_best_actions SET status = $4, updated_at = now() "
                             "WHERE project_id = $1::uuid AND account_scope_id = $2::uuid AND id = $3::uuid "
                             "RETURNING " + kActionColumns,
                             project, scope, id, status);
  if (rows.empty()) throw not_found("nba_not_found", "next best action " + id + " not found");
  return action_from(rows[0]);
}

}  // namespace labctl::intelligence
