#include "labctl/domains/connectors/reconciliation.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "labctl/core/error.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/audit/audit_log.hpp"
#include "labctl/domains/connectors/connector_table.hpp"
#include "labctl/db/rows.hpp"

namespace labctl::connectors {

using json = nlohmann::json;

// --- formulas -------------------------------------------------------------------------------

namespace {

double clamp_pct(double v) { return std::isnan(v) ? 0 : std::clamp(v, 0.0, 100.0); }

}  // namespace

double completeness_pct(double ok, double total) {
  if (total <= 0) return 100;
  return clamp_pct(100.0 * ok / total);
}

double mean_pct(const std::vector<double>& parts) {
  if (parts.empty()) return 100;
  double sum = 0;
  for (double p : parts) sum += clamp_pct(p);
  return clamp_pct(sum / static_cast<double>(parts.size()));
}

double round2(double value) { return std::round(value * 100.0) / 100.0; }

void to_json(json& j, const ReconciliationMetric& m) {
  j = {{"connector", m.connector},
       {"total_count", m.total_count},
       {"missing_count", m.missing_count},
       {"duplicate_count", m.duplicate_count},
       {"completeness_pct", m.completeness_pct},
       {"payload", m.payload}};
}

ReconciliationMetric finalize_metric(std::string connector, long long total, long long missing, long long duplicates,
                                     json payload) {
  ReconciliationMetric m;
  m.connector = std::move(connector);
  m.total_count = std::max(0LL, total);
  m.missing_count = std::max(0LL, missing);
  m.duplicate_count = std::max(0LL, duplicates);
  if (!payload.is_object()) payload = json::object();
  auto set = payload.find("completeness_pct");
  double pct = set != payload.end() && set->is_number()
                   ? set->get<double>()
                   : completeness_pct(std::max(0LL, m.total_count - m.missing_count - m.duplicate_count),
                                      static_cast<double>(m.total_count));
  m.completeness_pct = round2(clamp_pct(pct));
  m.payload = std::move(payload);
  return m;
}

ReconciliationMetric chatwoot_metric(const ChatwootCounts& c) {
  double pct = mean_pct({completeness_pct(c.messages - c.messages_without_contact, c.messages),
                         completeness_pct(c.conversations - c.conversations_without_contact, c.conversations),
                         completeness_pct(std::max(0LL, c.contacts - c.duplicate_emails), c.contacts)});
  return finalize_metric("chatwoot", c.contacts + c.conversations + c.messages,
                         c.messages_without_contact + c.conversations_without_contact, c.duplicate_emails,
                         {{"completeness_pct", pct},
                          {"contacts_total", c.contacts},
                          {"conversations_total", c.conversations},
                          {"messages_total", c.messages},
                          {"messages_without_contact", c.messages_without_contact},
                          {"conversations_without_contact", c.conversations_without_contact},
                          {"duplicate_contacts_by_email", c.duplicate_emails}});
}

ReconciliationMetric linear_metric(const LinearCounts& c) {
  double pct = mean_pct({completeness_pct(c.issues - c.without_state, c.issues),
                         completeness_pct(c.issues - c.without_state_type, c.issues),
                         completeness_pct(c.issues - c.without_title, c.issues)});
  return finalize_metric("linear", c.issues, c.without_state + c.without_state_type + c.without_title, 0,
                         {{"completeness_pct", pct},
                          {"issues_total", c.issues},
                          {"issues_without_state", c.without_state},
                          {"issues_without_state_type", c.without_state_type},
                          {"issues_without_title", c.without_title},
                          {"blocked_issues", c.blocked}});
}

ReconciliationMetric attio_metric(const AttioCounts& c) {
  double pct = mean_pct(
      {completeness_pct(c.mapped_accounts, c.raw_accounts),
       completeness_pct(c.mapped_opportunities, c.raw_opportunities),
       completeness_pct(c.opportunities_with_account_ref - c.opportunities_unmapped_to_crm_account,
                        c.opportunities_with_account_ref),
       completeness_pct(c.raw_opportunities - c.opportunities_without_account_ref, c.raw_opportunities)});
  return finalize_metric("attio", c.raw_accounts + c.raw_opportunities,
                         c.opportunities_without_account_ref + c.opportunities_unmapped_to_crm_account, 0,
                         {{"completeness_pct", pct},
                          {"raw_accounts_total", c.raw_accounts},
                          {"raw_opportunities_total", c.raw_opportunities},
                          {"mapped_accounts_total", c.mapped_accounts},
                          {"mapped_opportunities_total", c.mapped_opportunities},
                          {"opportunities_with_account_ref", c.opportunities_with_account_ref},
                          {"opportunities_without_account_ref", c.opportunities_without_account_ref},
                          {"opportunities_unmapped_to_crm_account", c.opportunities_unmapped_to_crm_account}});
}

ReconciliationMetric portfolio_metric(const std::vector<ReconciliationMetric>& connectors) {
  long long total = 0, missing = 0, duplicates = 0;
  double weighted = 0, weight = 0;
  json by_connector = json::array();
  for (const auto& m : connectors) {
    total += m.total_count;
    missing += m.missing_count;
    duplicates += m.duplicate_count;
    double w = static_cast<double>(std::max(1LL, m.total_count));
    weighted += m.completeness_pct * w;
    weight += w;
    by_connector.push_back({{"connector", m.connector},
                            {"completeness_pct", m.completeness_pct},
                            {"total_count", m.total_count},
                            {"missing_count", m.missing_count},
                            {"duplicate_count", m.duplicate_count}});
  }
  double pct = weight > 0 ? weighted / weight : 100;
  return finalize_metric("portfolio", total, missing, duplicates,
                         {{"completeness_pct", pct}, {"by_connector", std::move(by_connector)}});
}

// --- database -------------------------------------------------------------------------------

namespace {

long long count_at(const pqxx::row& r, int i) { return r[i].as<long long>(); }

ChatwootCounts count_chatwoot(pqxx::transaction_base& tx, const std::string& project_id, const std::string& scope_id) {
  auto r = tx.exec_params1(R"SQL(
    SELECT (SELECT count(*) FROM cw_contacts WHERE project_id = $1::uuid AND account_scope_id = $2::uuid),
           c.total, c.without_contact, m.total, m.without_contact,
           (SELECT count(*) - count(DISTINCT lower(email)) FROM cw_contacts
            WHERE project_id = $1::uuid AND account_scope_id = $2::uuid AND btrim(email) <> '')
    FROM (SELECT count(*) AS total, count(*) FILTER (WHERE COALESCE(contact_global_id, '') = '') AS without_contact
          FROM cw_conversations WHERE project_id = $1::uuid AND account_scope_id = $2::uuid) c,
         (SELECT count(*) AS total, count(*) FILTER (WHERE COALESCE(contact_global_id, '') = '') AS without_contact
          FROM cw_messages WHERE project_id = $1::uuid AND account_scope_id = $2::uuid) m)SQL",
                           project_id, scope_id);
  return {.contacts = count_at(r, 0),
          .conversations = count_at(r, 1),
          .messages = count_at(r, 3),
          .messages_without_contact = count_at(r, 4),
          .conversations_without_contact = count_at(r, 2),
          .duplicate_emails = count_at(r, 5)};
}

LinearCounts count_linear(pqxx::transaction_base& tx, const std::string& project_id, const std::string& scope_id) {
  auto r = tx.exec_params1(R"SQL(
    SELECT count(*),
           count(*) FILTER (WHERE COALESCE(btrim(state), '') = ''),
           count(*) FILTER (WHERE COALESCE(btrim(state_type), '') = ''),
           count(*) FILTER (WHERE COALESCE(btrim(title), '') = ''),
           count(*) FILTER (WHERE blocked)
    FROM linear_issues_raw WHERE project_id = $1::uuid AND account_scope_id = $2::uuid)SQL",
                           project_id, scope_id);
  return {.issues = count_at(r, 0),
          .without_state = count_at(r, 1),
          .without_state_type = count_at(r, 2),
          .without_title = count_at(r, 3),
          .blocked = count_at(r, 4)};
}

// "Unmapped" means no CRM account of the project carries the deal's account ref, which is
// exactly when the CRM mirror (§4 step 4) cannot attach the deal.
AttioCounts count_attio(pqxx::transaction_base& tx, const std::string& project_id, const std::string& scope_id) {
  auto r = tx.exec_params1(R"SQL(
    SELECT (SELECT count(*) FROM attio_accounts_raw WHERE project_id = $1::uuid AND account_scope_id = $2::uuid),
           o.total, o.without_ref, o.with_ref,
           (SELECT count(*) FROM crm_accounts
            WHERE project_id = $1::uuid AND account_scope_id = $2::uuid
              AND source_system = 'attio' AND COALESCE(external_ref, '') <> ''),
           (SELECT count(*) FROM crm_opportunities
            WHERE project_id = $1::uuid AND account_scope_id = $2::uuid
              AND source_system = 'attio' AND COALESCE(external_ref, '') <> ''),
           (SELECT count(*) FROM attio_opportunities_raw d
            WHERE d.project_id = $1::uuid AND d.account_scope_id = $2::uuid
              AND COALESCE(d.account_external_id, '') <> ''
              AND NOT EXISTS (SELECT 1 FROM crm_accounts a
                              WHERE a.project_id = d.project_id AND a.external_ref = d.account_external_id))
    FROM (SELECT count(*) AS total,
                 count(*) FILTER (WHERE COALESCE(account_external_id, '') = '') AS without_ref,
                 count(*) FILTER (WHERE COALESCE(account_external_id, '') <> '') AS with_ref
          FROM attio_opportunities_raw WHERE project_id = $1::uuid AND account_scope_id = $2::uuid) o)SQL",
                           project_id, scope_id);
  return {.raw_accounts = count_at(r, 0),
          .raw_opportunities = count_at(r, 1),
          .opportunities_without_account_ref = count_at(r, 2),
          .mapped_accounts = count_at(r, 4),
          .mapped_opportunities = count_at(r, 5),
          .opportunities_with_account_ref = count_at(r, 3),
          .opportunities_unmapped_to_crm_account = count_at(r, 6)};
}

bool known_source(const std::string& s) {
  return s == "manual" || s == "sync_cycle" || s == "daily_job" || s == "scheduler";
}

json daily_row(const pqxx::row& r, int first) {
  return {{"completeness_pct", r[first].as<double>()},
          {"missing_count", r[first + 1].as<long long>()},
          {"duplicate_count", r[first + 2].as<long long>()},
          {"total_count", r[first + 3].as<long long>()}};
}

}  // namespace

ReconciliationMetric measure_chatwoot(pqxx::transaction_base& tx, const std::string& project_id,
                                      const std::string& account_scope_id) {
  return chatwoot_metric(count_chatwoot(tx, project_id, account_scope_id));
}

ReconciliationMetric measure_linear(pqxx::transaction_base& tx, const std::string& project_id,
                                    const std::string& account_scope_id) {
  return linear_metric(count_linear(tx, project_id, account_scope_id));
}

ReconciliationMetric measure_attio(pqxx::transaction_base& tx, const std::string& project_id,
                                   const std::string& account_scope_id) {
  return attio_metric(count_attio(tx, project_id, account_scope_id));
}

json run_reconciliation(pqxx::transaction_base& tx, const std::string& project_id, const std::string& account_scope_id,
                        const std::string& source, double min_completeness_pct) {
  if (!known_source(source))
    throw validation_error("source", "source must be manual, sync_cycle, daily_job or scheduler", "invalid_enum");

  std::vector<ReconciliationMetric> metrics;
  for (const auto& connector : connector_table()) metrics.push_back(connector.measure(tx, project_id, account_scope_id));
  metrics.push_back(portfolio_metric(metrics));

  // One statement for the four rows; they share the transaction's now() as captured_at.
  auto rows = tx.exec_params(
      "INSERT INTO sync_reconciliation_metrics (project_id, account_scope_id, connector, source, completeness_pct, "
      "duplicate_count, missing_count, total_count, payload) "
      "SELECT $1::uuid, $2::uuid, m.connector, $3, m.completeness_pct, m.duplicate_count, m.missing_count, "
      "m.total_count, m.payload "
      "FROM jsonb_to_recordset($4::jsonb) AS m(connector text, completeness_pct numeric, duplicate_count int, "
      "missing_count int, total_count int, payload jsonb) "
      "RETURNING id, connector, " + db::iso_utc("captured_at"),
      project_id, account_scope_id, source, db::jsonb_text(metrics));
  std::map<std::string, long long> row_ids;
  std::string captured_at;
  for (const auto& r : rows) {
    row_ids[r[1].c_str()] = r[0].as<long long>();
    captured_at = r[2].c_str();
  }

  json out = json::array();
  for (const auto& m : metrics) {
    json j = m;
    j["source"] = source;
    out.push_back(std::move(j));
    if (m.completeness_pct < min_completeness_pct) {
      audit::write(tx, {.project_id = project_id,
                        .action = "reconciliation.completeness_drop",
                        .entity_type = "sync_reconciliation_metrics",
                        .entity_id = std::to_string(row_ids.at(m.connector)),
                        .status = "warning",
                        .payload = {{"connector", m.connector},
                                    {"source", source},
                                    {"completeness_pct", m.completeness_pct},
                                    {"threshold_pct", min_completeness_pct},
                                    {"total_count", m.total_count},
                                    {"missing_count", m.missing_count},
                                    {"duplicate_count", m.duplicate_count}}});
    }
  }
  const auto& portfolio = metrics.back();
  return {{"source", source},
          {"captured_at", captured_at},
          {"metrics", std::move(out)},
          {"summary",
           {{"completeness_pct", portfolio.completeness_pct},
            {"missing_count", portfolio.missing_count},
            {"duplicate_count", portfolio.duplicate_count},
            {"total_count", portfolio.total_count}}}};
}

json list_reconciliation(pqxx::transaction_base& tx, const std::string& project_id, int days, int limit) {
  days = std::clamp(days, 1, 365);
  limit = std::clamp(limit, 20, 3000);

  json latest = json::array();
  for (const auto& r : tx.exec_params(
           "SELECT DISTINCT ON (connector) connector, source, completeness_pct::float8, duplicate_count, "
           "missing_count, total_count, payload::text, " + db::iso_utc("captured_at") +
               " FROM sync_reconciliation_metrics WHERE project_id = $1::uuid "
               "ORDER BY connector, captured_at DESC, id DESC",
           project_id)) {
    latest.push_back({{"connector", r[0].c_str()},
                      {"source", r[1].c_str()},
                      {"completeness_pct", r[2].as<double>()},
                      {"duplicate_count", r[3].as<long long>()},
                      {"missing_count", r[4].as<long long>()},
                      {"total_count", r[5].as<long long>()},
                      {"payload", json::parse(r[6].c_str())},
                      {"captured_at", r[7].c_str()}});
  }

  // Days are UTC days; portfolio is left out because it would count every row twice.
  const std::string daily =
      "SELECT to_char((captured_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS point, {key}"
      "round(avg(completeness_pct), 2)::float8, sum(missing_count)::bigint, sum(duplicate_count)::bigint, "
      "sum(total_count)::bigint "
      "FROM sync_reconciliation_metrics "
      "WHERE project_id = $1::uuid AND connector <> 'portfolio' AND captured_at >= now() - make_interval(days => $2::int) ";
  auto with_key = [&](const std::string& key) {
    std::string sql = daily;
    sql.replace(sql.find("{key}"), 5, key);
    return sql;
  };

  json trend = json::array();
  for (const auto& r : tx.exec_params(with_key("") + "GROUP BY 1 ORDER BY 1", project_id, days)) {
    json j = daily_row(r, 1);
    j["point"] = r[0].c_str();
    trend.push_back(std::move(j));
  }

  json by_connector = json::array();
  for (const auto& r : tx.exec_params(with_key("connector, ") + "GROUP BY 1, 2 ORDER BY 1, 2 LIMIT $3::int",
                                      project_id, days, limit)) {
    json j = daily_row(r, 2);
    j["point"] = r[0].c_str();
    j["connector"] = r[1].c_str();
    by_connector.push_back(std::move(j));
  }
  return {{"latest", std::move(latest)}, {"trend", std::move(trend)}, {"by_connector", std::move(by_connector)}};
}

json reconciliation_diff(pqxx::transaction_base& tx, const std::string& project_id) {
  // "Previous" is taken before the earliest of the latest rows, so every connector is compared
  // with the run before the latest one, even when a connector's latest row is older.
  auto rows = tx.exec_params(R"SQL(
    WITH latest AS (
      SELECT DISTINCT ON (connector) connector, completeness_pct, total_count, missing_count, captured_at
      FROM sync_reconciliation_metrics
      WHERE project_id = $1::uuid AND connector <> 'portfolio'
      ORDER BY connector, captured_at DESC, id DESC),
    previous AS (
      SELECT DISTINCT ON (connector) connector, completeness_pct, total_count, missing_count
      FROM sync_reconciliation_metrics
      WHERE project_id = $1::uuid AND connector <> 'portfolio'
        AND captured_at < (SELECT min(captured_at) FROM latest)
      ORDER BY connector, captured_at DESC, id DESC)
    SELECT l.connector,
           l.completeness_pct::float8,
           COALESCE(p.completeness_pct, l.completeness_pct)::float8,
           (l.completeness_pct - COALESCE(p.completeness_pct, l.completeness_pct))::float8,
           l.total_count, COALESCE(p.total_count, 0), l.total_count - COALESCE(p.total_count, 0),
           l.missing_count, COALESCE(p.missing_count, 0), )SQL" +
                                 db::iso_utc("l.captured_at") + R"SQL(
    FROM latest l LEFT JOIN previous p USING (connector)
    ORDER BY l.connector)SQL",
                             project_id);
  json diff = json::array();
  for (const auto& r : rows) {
    diff.push_back({{"connector", r[0].c_str()},
                    {"current_pct", r[1].as<double>()},
                    {"previous_pct", r[2].as<double>()},
                    {"delta_pct", r[3].as<double>()},
                    {"current_total", r[4].as<long long>()},
                    {"previous_total", r[5].as<long long>()},
                    {"delta_total", r[6].as<long long>()},
                    {"current_missing", r[7].as<long long>()},
                    {"previous_missing", r[8].as<long long>()},
                    {"captured_at", r[9].c_str()}});
  }
  return {{"diff", std::move(diff)}};
}

}  // namespace labctl::connectors
