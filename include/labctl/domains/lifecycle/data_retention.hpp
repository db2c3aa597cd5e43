#pragma once
// Data lifecycle (scheduler-and-intelligence.md §8.4): what each retention job deletes, as a
// table of policies, and one purge that deletes a batch of a project's overdue rows, oldest first.
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace labctl {
class Config;
}

namespace labctl::lifecycle {

struct RetentionPolicy {
  std::string table;       // also the metric label (app_retention_cleanup_lag_days{table})
  std::string age_column;  // created_at, updated_at
  std::string condition;   // which rows may go at all ("" = every row), SQL over the table's columns
  int days;                // rows older than this are overdue
};

// outbound_retention_cleanup: finished outbound messages (sent, failed, blocked_opt_out,
// cancelled) by updated_at, OUTBOUND_RETENTION_DAYS.
RetentionPolicy outbound_policy(const Config& config);
// analytics_retention_cleanup: search analytics (SEARCH_ANALYTICS_RETENTION_DAYS) and logged
// LightRAG queries (LIGHTRAG_QUERY_RUNS_RETENTION_DAYS), by created_at.
std::vector<RetentionPolicy> analytics_policies(const Config& config);

struct Purge {
  std::string table;
  int retention_days = 0;
  long long deleted = 0;
  bool saturated = false;  // the batch was full: more overdue rows may remain
  double lag_days = 0;     // how far past its cutoff the oldest remaining overdue row is (0: none)
};

// Deletes up to `batch` overdue rows of the project, oldest first (rows another run holds are
// skipped), and measures the lag that remains. One statement.
Purge purge(pqxx::connection& conn, const RetentionPolicy& policy, const std::string& project_id,
            const std::string& account_scope_id, int batch);

}  // namespace labctl::lifecycle
