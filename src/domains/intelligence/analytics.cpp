#include "labctl/domains/intelligence/analytics.hpp"

#include "labctl/core/json_optional.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/sql_time.hpp"

namespace labctl::intelligence {
namespace {

using nlohmann::json;

// Chatwoot's message_type: 0 incoming, 1 outgoing (webhooks spell them out).
const char* kIncoming = "('0', 'incoming')";
const char* kOutgoing = "('1', 'outgoing')";

}  // namespace

const std::string kEvidenceColumns =
    "id::text, source_type, source_table, source_pk, conversation_global_id, message_global_id, contact_global_id, "
    "snippet, payload::text, " + db::iso_utc("created_at");

EvidenceItem evidence_from(const pqxx::row& r, int f) {
  return {r[f].c_str(),
          r[f + 1].c_str(),
          r[f + 2].c_str(),
          r[f + 3].c_str(),
          db::optional_text(r[f + 4]),
          db::optional_text(r[f + 5]),
          db::optional_text(r[f + 6]),
          db::optional_text(r[f + 7]),
          json::parse(r[f + 8].c_str()),
          r[f + 9].c_str()};
}

void to_json(json& j, const AnalyticsRefresh& r) {
  j = {{"period_start", r.period_start},     {"period_end", r.period_end},   {"pipeline_amount", r.pipeline_amount},
       {"expected_revenue", r.expected_revenue}, {"open_issues", r.open_issues}, {"overdue_issues", r.overdue_issues},
       {"inbound_messages", r.inbound_messages}};
}

void to_json(json& j, const RevenueSnapshot& r) {
  j = {{"horizon_days", r.horizon_days},   {"pipeline_amount", r.pipeline_amount},
       {"commit_amount", r.commit_amount}, {"won_amount", r.won_amount},
       {"expected_revenue", r.expected_revenue}, {"gross_margin", r.gross_margin},
       {"generated_at", r.generated_at}};
}

void to_json(json& j, const DeliverySnapshot& d) {
  j = {{"period_start", d.period_start},   {"period_end", d.period_end},         {"open_issues", d.open_issues},
       {"overdue_issues", d.overdue_issues}, {"completed_issues", d.completed_issues},
       {"lead_time_days", d.lead_time_days}, {"throughput", d.throughput},      {"created_at", d.created_at}};
}

void to_json(json& j, const CommsSnapshot& c) {
  j = {{"period_start", c.period_start},
       {"period_end", c.period_end},
       {"inbound_messages", c.inbound_messages},
       {"outbound_messages", c.outbound_messages},
       {"unique_contacts", c.unique_contacts},
       {"avg_response_minutes", c.avg_response_minutes},
       {"created_at", c.created_at}};
}

void to_json(json& j, const AnalyticsOverview& o) {
  j = {{"revenue", o.revenue}, {"delivery", o.delivery}, {"comms", o.comms}};
}

void to_json(json& j, const EvidenceItem& e) {
  j = {{"id", e.id},
       {"source_type", e.source_type},
       {"source_table", e.source_table},
       {"source_pk", e.source_pk},
       {"conversation_global_id", e.conversation_global_id},
       {"message_global_id", e.message_global_id},
       {"contact_global_id", e.contact_global_id},
       {"snippet", e.snippet},
       {"payload", e.payload},
       {"created_at", e.created_at}};
}

AnalyticsRefresh refresh_analytics(pqxx::transaction_base& tx, const std::string& project, const std::string& scope,
                                   int period_days) {
  // One statement reads every figure; the period starts at midnight UTC, period_days ago.
  const std::string incoming = kIncoming, outgoing = kOutgoing;
  const std::string sql =
      "WITH d AS (SELECT (now() AT TIME ZONE 'UTC')::date AS today), "
      "p AS (SELECT today - $3::int AS period_start, today AS period_end FROM d), "
      "m AS (SELECT id, conversation_global_id, contact_global_id, message_type, created_at FROM cw_messages "
      "      WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
      "        AND created_at >= (SELECT period_start FROM p)::timestamp AT TIME ZONE 'UTC'), "
      "answered AS (SELECT (SELECT min(o.created_at) FROM cw_messages o "
      "                      WHERE o.project_id = $1::uuid AND o.account_scope_id = $2::uuid "
      "                        AND o.conversation_global_id = i.conversation_global_id "
      "                        AND o.message_type IN " + outgoing + " AND o.created_at > i.created_at) - i.created_at AS wait "
      "             FROM m i WHERE i.message_type IN " + incoming + " AND i.conversation_global_id IS NOT NULL), "
      "issues AS (SELECT count(*) FILTER (WHERE completed_at IS NULL) AS open, "
      "                  count(*) FILTER (WHERE completed_at IS NULL AND due_date < (SELECT today FROM d)) AS overdue, "
      "                  count(*) FILTER (WHERE completed_at IS NOT NULL) AS completed "
      "           FROM linear_issues_raw WHERE project_id = $1::uuid AND account_scope_id = $2::uuid), "
      "pipeline AS (SELECT coalesce(sum(amount), 0) AS amount, coalesce(sum(amount * probability), 0) AS expected "
      "             FROM attio_opportunities_raw WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
      "               AND (stage IS NULL OR lower(stage) NOT IN ('won', 'lost', 'closed-won', 'closed-lost'))) "
      "SELECT (SELECT period_start FROM p)::text, (SELECT period_end FROM p)::text, "
      "  (SELECT count(*) FROM m), (SELECT count(DISTINCT contact_global_id) FROM m), "
      "  (SELECT count(*) FROM m WHERE message_type IN " + outgoing + "), "
      "  coalesce((SELECT round(avg(extract(epoch FROM wait) / 60)) FROM answered WHERE wait IS NOT NULL), 0)::float8, "
      "  issues.open, issues.overdue, issues.completed, round(pipeline.amount, 2)::float8, "
      "  round(pipeline.expected, 2)::float8 "
      "FROM issues, pipeline";
  auto f = tx.exec_params1(sql, project, scope, period_days);
  AnalyticsRefresh r{f[0].c_str(), f[1].c_str(), f[9].as<double>(), f[10].as<double>(),
                     f[6].as<long long>(), f[7].as<long long>(), f[2].as<long long>()};
  const long long unique_contacts = f[3].as<long long>(), outbound = f[4].as<long long>(), completed = f[8].as<long long>();
  const double avg_response = f[5].as<double>();

  tx.exec_params(
      "INSERT INTO analytics_delivery_snapshots (project_id, account_scope_id, period_start, period_end, open_issues, "
      "  overdue_issues, completed_issues, lead_time_days, throughput) "
      "VALUES ($1::uuid, $2::uuid, $3::date, $4::date, $5, $6, $7, 0, $7) "
      "ON CONFLICT (project_id, period_start, period_end) DO UPDATE SET open_issues = excluded.open_issues, "
      "  overdue_issues = excluded.overdue_issues, completed_issues = excluded.completed_issues, "
      "  lead_time_days = 0, throughput = excluded.throughput, created_at = now()",
      project, scope, r.period_start, r.period_end, r.open_issues, r.overdue_issues, completed);
  tx.exec_params(
      "INSERT INTO analytics_comms_snapshots (project_id, account_scope_id, period_start, period_end, inbound_messages, "
      "  outbound_messages, unique_contacts, avg_response_minutes) "
      "VALUES ($1::uuid, $2::uuid, $3::date, $4::date, $5, $6, $7, $8) "
      "ON CONFLICT (project_id, period_start, period_end) DO UPDATE SET inbound_messages = excluded.inbound_messages, "
      "  outbound_messages = excluded.outbound_messages, unique_contacts = excluded.unique_contacts, "
      "  avg_response_minutes = excluded.avg_response_minutes, created_at = now()",
      project, scope, r.period_start, r.period_end, r.inbound_messages, outbound, unique_contacts, avg_response);
  // The three horizons carry the same figures (the reference's): commit = expected = margin.
  tx.exec_params(
      "INSERT INTO analytics_revenue_snapshots (project_id, account_scope_id, period_start, horizon_days, "
      "  pipeline_amount, commit_amount, won_amount, expected_revenue, costs_amount, gross_margin) "
      "SELECT $1::uuid, $2::uuid, date_trunc('month', now() AT TIME ZONE 'UTC')::date, h, $3, $4, 0, $4, 0, $4 "
      "FROM unnest(ARRAY[30, 60, 90]) AS h "
      "ON CONFLICT (project_id, period_start, horizon_days) DO UPDATE SET pipeline_amount = excluded.pipeline_amount, "
      "  commit_amount = excluded.commit_amount, won_amount = 0, expected_revenue = excluded.expected_revenue, "
      "  costs_amount = 0, gross_margin = excluded.gross_margin, generated_at = now()",
      project, scope, r.pipeline_amount, r.expected_revenue);
  return r;
}

AnalyticsOverview analytics_overview(pqxx::transaction_base& tx, const std::string& project, const std::string& scope) {
  AnalyticsOverview o;
  for (const auto& r : tx.exec_params(
           "SELECT horizon_days, pipeline_amount::float8, commit_amount::float8, won_amount::float8, "
           "  expected_revenue::float8, gross_margin::float8, " + db::iso_utc("generated_at") +
               " FROM analytics_revenue_snapshots WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
               "ORDER BY generated_at DESC, period_start DESC, horizon_days LIMIT 3",
           project, scope))
    o.revenue.push_back({r[0].as<int>(), r[1].as<double>(), r[2].as<double>(), r[3].as<double>(), r[4].as<double>(),
                         r[5].as<double>(), r[6].c_str()});
  auto delivery = tx.exec_params(
      "SELECT period_start::text, period_end::text, open_issues, overdue_issues, completed_issues, lead_time_days::float8, "
      "  throughput, " + db::iso_utc("created_at") +
          " FROM analytics_delivery_snapshots WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
          "ORDER BY created_at DESC, id LIMIT 1",
      project, scope);
  if (!delivery.empty()) {
    const auto& r = delivery[0];
    o.delivery = DeliverySnapshot{r[0].c_str(), r[1].c_str(), r[2].as<long long>(), r[3].as<long long>(),
                                  r[4].as<long long>(), r[5].as<double>(), r[6].as<long long>(), r[7].c_str()};
  }
  auto comms = tx.exec_params(
      "SELECT period_start::text, period_end::text, inbound_messages, outbound_messages, unique_contacts, "
      "  avg_response_minutes::float8, " + db::iso_utc("created_at") +
          " FROM analytics_comms_snapshots WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
          "ORDER BY created_at DESC, id LIMIT 1",
      project, scope);
  if (!comms.empty()) {
    const auto& r = comms[0];
    o.comms = CommsSnapshot{r[0].c_str(), r[1].c_str(), r[2].as<long long>(), r[3].as<long long>(),
                            r[4].as<long long>(), r[5].as<double>(), r[6].c_str()};
  }
  return o;
}

std::vector<EvidenceItem> evidence_by_source(pqxx::transaction_base& tx, const std::string& project,
                                             const std::string& scope, const std::optional<std::string>& source,
                                             long long limit) {
  std::vector<EvidenceItem> out;
  for (const auto& r : tx.exec_params(
           "SELECT " + kEvidenceColumns + " FROM evidence_items WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
               "  AND ($3::text IS NULL OR source_type = $3 OR source_table = $3) "
               "ORDER BY created_at DESC, id LIMIT $4",
           project, scope, source, limit))
    out.push_back(evidence_from(r));
  return out;
}

}  // namespace labctl::intelligence
