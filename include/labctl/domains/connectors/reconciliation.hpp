#pragma once
// Sync reconciliation (connectors.md §8): how complete the mirrored data of each connector is,
// as rows of sync_reconciliation_metrics. SQL only counts; the formulas are pure functions below.
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace labctl::connectors {

// --- formulas (pure) ----------------------------------------------------------------------

// pct(ok, t) = 100 if t ≤ 0, else 100·ok/t clamped to [0, 100].
double completeness_pct(double ok, double total);
// Mean of the parts (each clamped to [0, 100]); the mean of nothing is 100.
double mean_pct(const std::vector<double>& parts);
// Half away from zero, to 2 decimal places.
double round2(double value);

struct ReconciliationMetric {
  std::string connector;  // chatwoot | linear | attio | portfolio
  long long total_count = 0;
  long long missing_count = 0;
  long long duplicate_count = 0;
  double completeness_pct = 100;  // 2 dp
  nlohmann::json payload = nlohmann::json::object();
};
void to_json(nlohmann::json& j, const ReconciliationMetric& m);

// Completeness = payload.completeness_pct if set, else pct(total − missing − dup, total); 2 dp.
ReconciliationMetric finalize_metric(std::string connector, long long total, long long missing, long long duplicates,
                                     nlohmann::json payload);

struct ChatwootCounts {
  long long contacts = 0, conversations = 0, messages = 0;
  long long messages_without_contact = 0, conversations_without_contact = 0;
  long long duplicate_emails = 0;  // non-blank emails − distinct lower(email)
};
struct LinearCounts {
  long long issues = 0, without_state = 0, without_state_type = 0, without_title = 0;
  long long blocked = 0;  // informational
};
struct AttioCounts {
  long long raw_accounts = 0, raw_opportunities = 0;
  long long opportunities_without_account_ref = 0;
  long long mapped_accounts = 0, mapped_opportunities = 0;  // CRM rows with source attio and a ref
  long long opportunities_with_account_ref = 0;
  long long opportunities_unmapped_to_crm_account = 0;  // ref set, no CRM account has it
};

ReconciliationMetric chatwoot_metric(const ChatwootCounts& c);
ReconciliationMetric linear_metric(const LinearCounts& c);
ReconciliationMetric attio_metric(const AttioCounts& c);
// Sums of the connectors; completeness weighted by max(1, total_count); payload.by_connector.
ReconciliationMetric portfolio_metric(const std::vector<ReconciliationMetric>& connectors);

// --- database -------------------------------------------------------------------------------

// Each connector's counts and metric (the connector table points at them).
ReconciliationMetric measure_chatwoot(pqxx::transaction_base& tx, const std::string& project_id,
                                      const std::string& account_scope_id);
ReconciliationMetric measure_linear(pqxx::transaction_base& tx, const std::string& project_id,
                                    const std::string& account_scope_id);
ReconciliationMetric measure_attio(pqxx::transaction_base& tx, const std::string& project_id,
                                   const std::string& account_scope_id);

// Counts, computes and inserts a row per connector and the portfolio row (chatwoot, linear, attio, portfolio). `source` ∈ manual,
// sync_cycle, daily_job, scheduler (else 400 validation_error). Each metric below
// `min_completeness_pct` also writes audit event reconciliation.completeness_drop (warning).
// Returns {source, captured_at, metrics[4], summary{completeness_pct, missing_count,
// duplicate_count, total_count}} (the summary is the portfolio row).
nlohmann::json run_reconciliation(pqxx::transaction_base& tx, const std::string& project_id,
                                  const std::string& account_scope_id, const std::string& source,
                                  double min_completeness_pct = 70);

// {latest[] (newest row per connector), trend[] (per UTC day, connectors without portfolio:
// mean pct, summed counts), by_connector[] (per day and connector, at most `limit` rows)}.
// days clamped to [1..365], limit to [20..3000].
nlohmann::json list_reconciliation(pqxx::transaction_base& tx, const std::string& project_id, int days = 14,
                                   int limit = 500);

// {diff[]}: per connector except portfolio, its newest row against its newest row captured
// before the earliest of those newest rows (the previous run): current_pct, previous_pct
// (= current without one), delta_pct, current_total, previous_total (0 without one),
// delta_total, current_missing, previous_missing (0 without one), captured_at.
nlohmann::json reconciliation_diff(pqxx::transaction_base& tx, const std::string& project_id);

}  // namespace labctl::connectors
