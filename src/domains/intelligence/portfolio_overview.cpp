#include "labctl/domains/intelligence/portfolio_overview.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "labctl/core/json_optional.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/rows.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/intelligence/risk_model.hpp"

namespace labctl::intelligence {
namespace {

using nlohmann::json;

// Every statement takes $1 the selected project ids and $2 their account scope.
const char* kIn = "project_id = ANY($1::uuid[]) AND account_scope_id = $2::uuid";

const char* kAttioOpen = "(stage IS NULL OR lower(stage) NOT IN ('won', 'lost', 'closed-won', 'closed-lost'))";
const char* kAttioWon = "lower(stage) IN ('won', 'closed-won')";
const char* kCrmOwn = "source_system <> 'attio'";  // Attio's deals are counted from attio_opportunities_raw

// What the agreement cards look for in an evidence item's snippet or payload (§5).
const char* kAgreementPattern = "agreement|договор|соглас|commit|услов|deadline|срок";

std::string in(const std::string& alias) {
  return alias + ".project_id = s.id AND " + alias + ".account_scope_id = $2::uuid";
}

double num(const pqxx::field& f) { return f.is_null() ? 0.0 : f.as<double>(); }

// One statement: every per-project figure of the dashboard and the finances.
void read_projects(pqxx::transaction_base& tx, const std::vector<std::string>& ids, const std::string& scope,
                   const std::map<std::string, std::string>& names, PortfolioOverview& o) {
  const std::string sql =
      "SELECT s.id::text, "
      "  (SELECT count(*) FROM cw_messages m WHERE " + in("m") + " AND m.created_at > now() - interval '7 days'), "
      "  (SELECT count(*) FROM linear_issues_raw i WHERE " + in("i") + " AND i.completed_at IS NULL), "
      "  att.pipeline, att.expected, att.won, att.days, crm.pipeline, crm.expected, crm.won, crm.days, "
      "  (SELECT h.score::float8 FROM health_scores h WHERE " + in("h") + " ORDER BY h.generated_at DESC, h.id LIMIT 1), "
      "  (SELECT count(*) FROM risk_radar_items r WHERE " + in("r") + " AND r.status <> 'closed'), "
      "  (SELECT sum(f.total)::float8 FROM offers f WHERE " + in("f") + " AND f.status = 'signed'), "
      "  snap.costs_amount::float8, snap.gross_margin::float8 "
      "FROM unnest($1::uuid[]) WITH ORDINALITY AS s(id, n) "
      "LEFT JOIN LATERAL (SELECT sum(amount) FILTER (WHERE " + std::string(kAttioOpen) + ")::float8 AS pipeline, "
      "    sum(amount * probability) FILTER (WHERE " + kAttioOpen + ")::float8 AS expected, "
      "    sum(amount) FILTER (WHERE " + kAttioWon + ")::float8 AS won, "
      "    avg(greatest(0, expected_close_date - current_date)) FILTER (WHERE " + kAttioOpen + ")::float8 AS days "
      "  FROM attio_opportunities_raw a WHERE " + in("a") + ") att ON true "
      "LEFT JOIN LATERAL (SELECT sum(amount_estimate) FILTER (WHERE stage NOT IN ('won', 'lost'))::float8 AS pipeline, "
      "    sum(amount_estimate * probability) FILTER (WHERE stage NOT IN ('won', 'lost'))::float8 AS expected, "
      "    sum(amount_estimate) FILTER (WHERE stage = 'won')::float8 AS won, "
      "    avg(greatest(0, expected_close_date - current_date)) FILTER (WHERE stage NOT IN ('won', 'lost'))::float8 AS days "
      "  FROM crm_opportunities c WHERE " + in("c") + " AND c." + kCrmOwn + ") crm ON true "
      "LEFT JOIN LATERAL (SELECT costs_amount, gross_margin FROM analytics_revenue_snapshots v WHERE " + in("v") +
      "  ORDER BY v.generated_at DESC, v.period_start DESC, v.horizon_days LIMIT 1) snap ON true "
      "ORDER BY s.n";
  for (const auto& r : tx.exec_params(sql, db::pg_text_array(ids), scope)) {
    ClientFigures f{.attio_pipeline = num(r[3]), .attio_expected = num(r[4]), .crm_pipeline = num(r[7]),
                    .crm_expected = num(r[8]), .messages_7d = r[1].as<long long>(), .health_score = num(r[11]),
                    .risks_open = r[12].as<long long>()};
    const std::string id = r[0].c_str(), name = names.at(id);
    const double expected = round2(portfolio_expected_revenue(f));
    const int score = client_value_score(f);
    o.by_project.push_back({id, name, f, r[2].as<long long>(), expected, score, discount_limit_pct(score)});
    const double costs = num(r[14]);
    ProjectFinances fin{id,
                        name,
                        round2(num(r[5]) + num(r[9])),
                        round2(f.attio_pipeline + f.crm_pipeline),
                        expected,
                        round2(num(r[13])),
                        round2(costs),
                        round2(r[15].is_null() ? expected - costs : r[15].as<double>()),
                        round2(std::max(num(r[6]), num(r[10])))};
    o.finances.by_project.push_back(fin);
  }
}

void add_totals(PortfolioOverview& o, double completeness) {
  PortfolioTotals& t = o.totals;
  t.selected_projects = static_cast<long long>(o.by_project.size());
  double health = 0, score = 0;
  for (const auto& p : o.by_project) {
    t.messages_7d += p.figures.messages_7d;
    t.linear_open_issues += p.linear_open_issues;
    t.risks_open += p.figures.risks_open;
    t.attio_pipeline_amount += p.figures.attio_pipeline;
    t.attio_expected_revenue += p.figures.attio_expected;
    t.crm_pipeline_amount += p.figures.crm_pipeline;
    t.crm_expected_revenue += p.figures.crm_expected;
    t.expected_revenue += p.expected_revenue;
    health += p.figures.health_score;
    score += p.client_value_score;
  }
  for (double* v : {&t.attio_pipeline_amount, &t.attio_expected_revenue, &t.crm_pipeline_amount,
                    &t.crm_expected_revenue, &t.expected_revenue})
    *v = round2(*v);
  if (t.selected_projects) {
    t.avg_health_score = round2(health / static_cast<double>(t.selected_projects));
    t.avg_client_value_score = round2(score / static_cast<double>(t.selected_projects));
  }
  t.sync_completeness_pct = completeness;

  ProjectFinances& f = o.finances.totals;
  f = ProjectFinances{"", "", 0, 0, 0, 0, 0, 0, 0};
  for (const auto& p : o.finances.by_project) {
    f.deal_amount += p.deal_amount;
    f.pipeline_amount += p.pipeline_amount;
    f.expected_revenue += p.expected_revenue;
    f.signed_total += p.signed_total;
    f.costs_amount += p.costs_amount;
    f.gross_margin += p.gross_margin;
    f.forecast_days = std::max(f.forecast_days, p.forecast_days);
  }
  for (double* v : {&f.deal_amount, &f.pipeline_amount, &f.expected_revenue, &f.signed_total, &f.costs_amount,
                    &f.gross_margin})
    *v = round2(*v);
}

// The newest portfolio-wide reconciliation of each project, averaged; none: 100.
double sync_completeness(pqxx::transaction_base& tx, const std::vector<std::string>& ids, const std::string& scope) {
  auto f = tx.exec_params1(
      "SELECT round(avg(completeness_pct), 2)::float8 FROM (SELECT DISTINCT ON (project_id) completeness_pct "
      "  FROM sync_reconciliation_metrics WHERE " + std::string(kIn) + " AND connector = 'portfolio' "
      "  ORDER BY project_id, captured_at DESC, id) newest",
      db::pg_text_array(ids), scope);
  return f[0].is_null() ? 100.0 : f[0].as<double>();
}

std::vector<TrendPoint> revenue_trend(pqxx::transaction_base& tx, const std::vector<std::string>& ids,
                                      const std::string& scope, const PortfolioTotals& totals) {
  std::vector<TrendPoint> out;
  for (const auto& r : tx.exec_params(
           "SELECT period_start::text, pipeline::float8, expected::float8, won::float8 FROM ("
           "  SELECT period_start, round(sum(pipeline_amount), 2) AS pipeline, round(sum(expected_revenue), 2) AS expected, "
           "    round(sum(won_amount), 2) AS won FROM analytics_revenue_snapshots "
           "  WHERE " + std::string(kIn) + " AND horizon_days = 30 GROUP BY period_start "
           "  ORDER BY period_start DESC LIMIT 12) newest ORDER BY period_start",
           db::pg_text_array(ids), scope))
    out.push_back({r[0].c_str(), r[1].as<double>(), r[2].as<double>(), r[3].as<double>()});
  if (out.empty()) {
    auto today = tx.exec1("SELECT (now() AT TIME ZONE 'UTC')::date::text");
    out.push_back({today[0].c_str(), round2(totals.attio_pipeline_amount + totals.crm_pipeline_amount),
                   totals.expected_revenue, 0});
  }
  return out;
}

// The charts, in one statement: each part yields (chart, period, value, second value).
struct ChartSpec {
  const char* name;
  std::vector<std::string> values;
  int keep;         // the newest points kept: 60 of a daily series, 24 of a weekly or monthly one
  std::string sql;  // SELECT period, v1, v2 in the selected projects
};

std::string weekly(const std::string& column) {
  return "to_char(date_trunc('week', " + column + " AT TIME ZONE 'UTC'), 'YYYY-MM-DD')";
}
std::string daily(const std::string& column) { return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"; }
std::string since(const std::string& column, int days) {
  return column + " >= now() - interval '" + std::to_string(days) + " days'";
}

const std::vector<ChartSpec>& chart_specs() {
  const std::string in_scope = kIn;
  static const std::vector<ChartSpec> specs = {
      {"health_score", {"score"}, 60,
       "SELECT " + daily("generated_at") + ", round(avg(score), 2), NULL::numeric FROM health_scores WHERE " + in_scope +
           " AND " + since("generated_at", 60) + " GROUP BY 1"},
      {"velocity_completed_issues", {"completed_issues"}, 24,
       "SELECT " + weekly("completed_at") + ", count(*), NULL::numeric FROM linear_issues_raw WHERE " + in_scope +
           " AND completed_at IS NOT NULL AND " + since("completed_at", 120) + " GROUP BY 1"},
      {"overdue_issues_count", {"overdue_issues"}, 24,
       "SELECT week, sum(overdue), NULL::numeric FROM (SELECT " + weekly("created_at") +
           " AS week, project_id, max(overdue_issues) AS overdue FROM analytics_delivery_snapshots WHERE " + in_scope +
           " AND " + since("created_at", 120) + " GROUP BY 1, 2) w GROUP BY 1"},
      {"client_responsiveness_minutes", {"avg_response_minutes"}, 24,
       "SELECT " + weekly("created_at") + ", round(avg(avg_response_minutes), 2), NULL::numeric "
           "FROM analytics_comms_snapshots WHERE " + in_scope + " AND " + since("created_at", 120) + " GROUP BY 1"},
      {"agreements_vs_signed_offers", {"agreements", "signed_offers"}, 24,
       "SELECT week, sum(a), sum(s) FROM (SELECT " + weekly("created_at") + " AS week, 1 AS a, 0 AS s "
           "FROM evidence_items WHERE " + in_scope + " AND " + since("created_at", 120) +
           " AND (coalesce(snippet, '') ~* '" + kAgreementPattern + "' OR payload::text ~* '" + kAgreementPattern + "') "
           "UNION ALL SELECT " + weekly("updated_at") + ", 0, 1 FROM offers WHERE " + in_scope +
           " AND status = 'signed' AND " + since("updated_at", 120) + ") w GROUP BY 1"},
      {"risks_trend", {"risk_items", "high_signals"}, 24,
       "SELECT week, sum(r), sum(s) FROM (SELECT " + weekly("created_at") + " AS week, 1 AS r, 0 AS s "
           "FROM risk_radar_items WHERE " + in_scope + " AND " + since("created_at", 120) +
           " UNION ALL SELECT " + weekly("created_at") + ", 0, 1 FROM signals WHERE " + in_scope +
           " AND severity >= 4 AND " + since("created_at", 120) + ") w GROUP BY 1"},
      {"burn_vs_budget", {"costs_amount", "pipeline_amount"}, 24,
       "SELECT period_start::text, round(sum(costs_amount), 2), round(sum(pipeline_amount), 2) "
           "FROM analytics_revenue_snapshots WHERE " + in_scope + " AND horizon_days = 30 GROUP BY 1"},
      {"upsell_potential_score", {"score"}, 24,
       "SELECT " + weekly("created_at") + ", round(avg(score), 4), NULL::numeric FROM upsell_opportunities WHERE " +
           in_scope + " AND status <> 'dismissed' AND " + since("created_at", 120) + " GROUP BY 1"},
      {"sync_reconciliation_completeness", {"completeness_pct"}, 60,
       "SELECT " + daily("captured_at") + ", round(avg(completeness_pct), 2), NULL::numeric "
           "FROM sync_reconciliation_metrics WHERE " + in_scope + " AND connector = 'portfolio' AND " +
           since("captured_at", 60) + " GROUP BY 1"},
  };
  return specs;
}

std::vector<Chart> read_charts(pqxx::transaction_base& tx, const std::vector<std::string>& ids, const std::string& scope) {
  std::string sql;
  std::vector<Chart> charts;
  for (size_t i = 0; i < chart_specs().size(); ++i) {
    const auto& spec = chart_specs()[i];
    charts.push_back({spec.name, spec.values, {}});
    if (!sql.empty()) sql += " UNION ALL ";
    sql += "(SELECT " + std::to_string(i) + ", period, v1::float8, v2::float8 FROM (" + spec.sql +
           ") AS c(period, v1, v2) ORDER BY period DESC LIMIT " + std::to_string(spec.keep) + ")";
  }
  for (const auto& r : tx.exec_params(sql + " ORDER BY 1, 2", db::pg_text_array(ids), scope)) {
    Chart& chart = charts[r[0].as<size_t>()];
    Chart::Point point{r[1].c_str(), {num(r[2])}};
    if (chart.values.size() > 1) point.values.push_back(num(r[3]));
    chart.points.push_back(std::move(point));
  }
  return charts;
}

std::vector<PortfolioMessage> read_messages(pqxx::transaction_base& tx, const std::vector<std::string>& ids,
                                            const std::string& scope, long long limit) {
  std::vector<PortfolioMessage> out;
  for (const auto& r : tx.exec_params(
           "SELECT id, project_id::text, conversation_global_id, contact_global_id, "
           "  coalesce(nullif(lower(btrim(sender_type)), ''), 'unknown'), left(btrim(content), 600), " +
               db::iso_utc("created_at") + " FROM cw_messages WHERE " + kIn +
               " AND btrim(coalesce(content, '')) <> '' ORDER BY created_at DESC, id LIMIT $3",
           db::pg_text_array(ids), scope, limit))
    out.push_back({r[0].c_str(), r[1].c_str(), db::optional_text(r[2]), db::optional_text(r[3]), r[4].c_str(),
                   r[5].c_str(), r[6].c_str()});
  return out;
}

std::vector<AgreementCard> read_agreements(pqxx::transaction_base& tx, const std::vector<std::string>& ids,
                                           const std::string& scope, long long limit) {
  std::vector<AgreementCard> out;
  for (const auto& r : tx.exec_params(
           "SELECT project_id::text, " + kEvidenceColumns + " FROM evidence_items WHERE " + kIn +
               " AND (coalesce(snippet, '') ~* $4 OR payload::text ~* $4) ORDER BY created_at DESC, id LIMIT $3",
           db::pg_text_array(ids), scope, limit, std::string(kAgreementPattern)))
    out.push_back({r[0].c_str(), evidence_from(r, 1)});
  return out;
}

// Open radar items, strong live signals and open patterns, by severity then recency. A pattern's
// severity comes from its weight (portfolio_model), computed here in SQL to order and limit at once.
std::vector<RiskCard> read_risks(pqxx::transaction_base& tx, const std::vector<std::string>& ids,
                                 const std::string& scope, long long limit) {
  std::vector<RiskCard> out;
  const std::string in_scope = kIn;
  for (const auto& r : tx.exec_params(
           "SELECT kind, id, project_id, title, status, severity, score, refs, " + db::iso_utc("updated_at") + " FROM ("
           "  SELECT 'radar' AS kind, id::text, project_id::text, title, status, severity, probability::float8 AS score, "
           "    evidence_refs::text AS refs, updated_at FROM risk_radar_items WHERE " + in_scope + " AND status <> 'closed' "
           "  UNION ALL SELECT 'signal', id::text, project_id::text, summary, status, severity, confidence::float8, "
           "    evidence_refs::text, created_at FROM signals WHERE " + in_scope +
               " AND severity >= 4 AND status IN ('proposed', 'accepted') "
           "  UNION ALL SELECT 'pattern', id::text, project_id::text, title, status, "
           "    least(5, greatest(1, round(5 * weight)))::int, weight::float8, evidence_refs::text, updated_at "
           "  FROM risk_pattern_events WHERE " + in_scope + " AND status <> 'closed') cards "
           "ORDER BY severity DESC, updated_at DESC, id LIMIT $3",
           db::pg_text_array(ids), scope, limit))
    out.push_back({r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(), r[5].as<int>(),
                   r[6].as<double>(), json::parse(r[7].c_str()), r[8].c_str()});
  return out;
}

std::vector<FunnelNode> read_funnel(pqxx::transaction_base& tx, const std::vector<std::string>& ids,
                                    const std::string& scope) {
  static const std::vector<std::string> order = {"discovery", "qualified", "proposal", "negotiation", "won", "lost"};
  std::map<std::string, FunnelNode> nodes;
  for (const auto& stage : order) nodes[stage] = {stage, 0, 0};
  for (const auto& r : tx.exec_params(
           "SELECT stage, count(*), sum(amount)::float8 FROM ("
           "  SELECT coalesce(stage, '') AS stage, coalesce(amount, 0) AS amount FROM attio_opportunities_raw WHERE " +
               std::string(kIn) + "  UNION ALL SELECT stage, amount_estimate FROM crm_opportunities WHERE " + kIn +
               " AND " + kCrmOwn + ") deals GROUP BY stage",
           db::pg_text_array(ids), scope)) {
    FunnelNode& node = nodes[funnel_stage(r[0].c_str())];
    node.deals += r[1].as<long long>();
    node.amount = round2(node.amount + r[2].as<double>());
  }
  std::vector<FunnelNode> out;
  for (const auto& stage : order) out.push_back(nodes[stage]);
  return out;
}

PortfolioOffers read_offers(pqxx::transaction_base& tx, const std::vector<std::string>& ids, const std::string& scope,
                            long long limit) {
  PortfolioOffers o;
  for (const auto& r : tx.exec_params(
           "SELECT id::text, project_id::text, title, coalesce(rationale, ''), status, score::float8, "
           "  CASE WHEN jsonb_typeof(suggested_offer_payload -> 'discount_pct') = 'number' "
           "       THEN (suggested_offer_payload ->> 'discount_pct')::float8 ELSE 0 END, evidence_refs::text, " +
               db::iso_utc("updated_at") + " FROM upsell_opportunities WHERE " + kIn +
               " AND status IN ('proposed', 'accepted') ORDER BY score DESC, updated_at DESC, id LIMIT $3",
           db::pg_text_array(ids), scope, limit))
    o.upsell.push_back({r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(), r[5].as<double>(),
                        r[6].as<double>(), json::parse(r[7].c_str()), r[8].c_str()});
  for (const auto& r : tx.exec_params(
           "SELECT id::text, project_id::text, title, currency, status, subtotal::float8, discount_pct::float8, "
           "  total::float8, " + db::iso_utc("updated_at") + " FROM offers WHERE " + kIn +
               " ORDER BY updated_at DESC, id LIMIT $3",
           db::pg_text_array(ids), scope, limit))
    o.recent_offers.push_back({r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(),
                               r[5].as<double>(), r[6].as<double>(), r[7].as<double>(), r[8].c_str()});
  return o;
}

LoopsFigures read_loops(pqxx::transaction_base& tx, const std::vector<std::string>& ids, const std::string& scope) {
  auto r = tx.exec_params1(
      "SELECT count(*), count(DISTINCT lower(btrim(email))) FROM cw_contacts WHERE " + std::string(kIn) +
          " AND btrim(coalesce(email, '')) <> ''",
      db::pg_text_array(ids), scope);
  return {r[0].as<long long>(), r[1].as<long long>()};
}

json points(const Chart& chart) {
  json out = json::array();
  for (const auto& p : chart.points) {
    json point = {{"period", p.period}};
    for (size_t i = 0; i < chart.values.size(); ++i) point[chart.values[i]] = p.values[i];
    out.push_back(std::move(point));
  }
  return out;
}

json value_json(const ProjectValue& p) {
  const ClientFigures& f = p.figures;
  return {{"project_id", p.project_id},
          {"project_name", p.project_name},
          {"messages_7d", f.messages_7d},
          {"linear_open_issues", p.linear_open_issues},
          {"attio_pipeline_amount", f.attio_pipeline},
          {"attio_expected_revenue", f.attio_expected},
          {"crm_pipeline_amount", f.crm_pipeline},
          {"crm_expected_revenue", f.crm_expected},
          {"health_score", f.health_score},
          {"risks_open", f.risks_open},
          {"expected_revenue", p.expected_revenue},
          {"client_value_score", p.client_value_score},
          {"discount_limit_pct", p.discount_limit_pct}};
}

json finances_json(const ProjectFinances& f) {
  json j = {{"deal_amount", f.deal_amount},       {"pipeline_amount", f.pipeline_amount},
            {"expected_revenue", f.expected_revenue}, {"signed_total", f.signed_total},
            {"costs_amount", f.costs_amount},     {"gross_margin", f.gross_margin},
            {"forecast_days", f.forecast_days}};
  if (!f.project_id.empty()) {
    j["project_id"] = f.project_id;
    j["project_name"] = f.project_name;
  }
  return j;
}

}  // namespace

void to_json(json& j, const PortfolioOverview& o) {
  const PortfolioTotals& t = o.totals;
  json by_project = json::array(), charts = json::object(), trend = json::array();
  for (const auto& p : o.by_project) by_project.push_back(value_json(p));
  for (const auto& c : o.charts) charts[c.name] = points(c);
  for (const auto& p : o.trend)
    trend.push_back({{"period_start", p.period_start}, {"pipeline_amount", p.pipeline_amount},
                     {"expected_revenue", p.expected_revenue}, {"won_amount", p.won_amount}});
  json messages = json::array(), agreements = json::array(), risks = json::array();
  for (const auto& m : o.messages)
    messages.push_back({{"id", m.id}, {"project_id", m.project_id}, {"conversation_global_id", m.conversation_global_id},
                        {"contact_global_id", m.contact_global_id}, {"sender_type", m.sender_type},
                        {"content", m.content}, {"created_at", m.created_at}});
  for (const auto& a : o.agreements) {
    json card = a.evidence;
    card["project_id"] = a.project_id;
    agreements.push_back(std::move(card));
  }
  for (const auto& r : o.risks)
    risks.push_back({{"kind", r.kind}, {"id", r.id}, {"project_id", r.project_id}, {"title", r.title},
                     {"status", r.status}, {"severity", r.severity}, {"score", r.score},
                     {"evidence_refs", r.evidence_refs}, {"updated_at", r.updated_at}});
  json fin_projects = json::array(), funnel = json::array();
  for (const auto& f : o.finances.by_project) fin_projects.push_back(finances_json(f));
  for (const auto& n : o.finances.funnel_nodes)
    funnel.push_back({{"stage", n.stage}, {"deals", n.deals}, {"amount", n.amount}});
  json upsell = json::array(), offers = json::array(), policy = json::array();
  for (const auto& u : o.offers.upsell)
    upsell.push_back({{"id", u.id}, {"project_id", u.project_id}, {"title", u.title}, {"rationale", u.rationale},
                      {"status", u.status}, {"score", u.score}, {"suggested_discount_pct", u.suggested_discount_pct},
                      {"evidence_refs", u.evidence_refs}, {"updated_at", u.updated_at}});
  for (const auto& f : o.offers.recent_offers)
    offers.push_back({{"id", f.id}, {"project_id", f.project_id}, {"title", f.title}, {"currency", f.currency},
                      {"status", f.status}, {"subtotal", f.subtotal}, {"discount_pct", f.discount_pct},
                      {"total", f.total}, {"updated_at", f.updated_at}});
  for (const auto& p : o.offers.discount_policy)
    policy.push_back({{"project_id", p.project_id}, {"project_name", p.project_name},
                      {"client_value_score", p.client_value_score}, {"discount_limit_pct", p.discount_limit_pct}});
  j = {{"projects", o.projects},
       {"selected_project_ids", o.selected_project_ids},
       {"dashboard",
        {{"totals",
          {{"selected_projects", t.selected_projects},
           {"messages_7d", t.messages_7d},
           {"linear_open_issues", t.linear_open_issues},
           {"attio_pipeline_amount", t.attio_pipeline_amount},
           {"attio_expected_revenue", t.attio_expected_revenue},
           {"crm_pipeline_amount", t.crm_pipeline_amount},
           {"crm_expected_revenue", t.crm_expected_revenue},
           {"risks_open", t.risks_open},
           {"expected_revenue", t.expected_revenue},
           {"avg_health_score", t.avg_health_score},
           {"avg_client_value_score", t.avg_client_value_score},
           {"sync_completeness_pct", t.sync_completeness_pct}}},
         {"by_project", by_project},
         {"trend", trend},
         {"charts", charts}}},
       {"messages", messages},
       {"agreements", agreements},
       {"risks", risks},
       {"finances",
        {{"by_project", fin_projects}, {"totals", finances_json(o.finances.totals)}, {"charts", {{"funnel_nodes", funnel}}}}},
       {"offers", {{"upsell", upsell}, {"recent_offers", offers},
                   {"discount_policy",
                    {{"thresholds", json::array({{{"min_score", 85}, {"max_discount_pct", 18}},
                                                 {{"min_score", 70}, {"max_discount_pct", 14}},
                                                 {{"min_score", 55}, {"max_discount_pct", 10}},
                                                 {{"min_score", 40}, {"max_discount_pct", 7}},
                                                 {{"min_score", 0}, {"max_discount_pct", 5}}})},
                     {"by_project", policy}}}}},
       {"loops", {{"contacts_with_email", o.loops.contacts_with_email}, {"unique_emails", o.loops.unique_emails}}}};
}

PortfolioOverview portfolio_overview(pqxx::transaction_base& tx, const std::string& scope,
                                     std::vector<projects::Project> projects, std::vector<std::string> selected,
                                     const PortfolioLimits& limits) {
  PortfolioOverview o;
  std::map<std::string, std::string> names;
  for (const auto& p : projects) names[p.id] = p.name;
  o.projects = std::move(projects);
  o.selected_project_ids = std::move(selected);
  const auto& ids = o.selected_project_ids;
  read_projects(tx, ids, scope, names, o);
  add_totals(o, ids.empty() ? 100.0 : sync_completeness(tx, ids, scope));
  o.trend = revenue_trend(tx, ids, scope, o.totals);
  o.charts = read_charts(tx, ids, scope);
  o.messages = read_messages(tx, ids, scope, limits.messages);
  o.agreements = read_agreements(tx, ids, scope, limits.cards);
  o.risks = read_risks(tx, ids, scope, limits.cards);
  o.finances.funnel_nodes = read_funnel(tx, ids, scope);
  o.offers = read_offers(tx, ids, scope, limits.cards);
  o.offers.discount_policy = o.by_project;
  o.loops = read_loops(tx, ids, scope);
  return o;
}

}  // namespace labctl::intelligence
