#include "labctl/domains/lifecycle/data_retention.hpp"

#include "labctl/core/config.hpp"

namespace labctl::lifecycle {

RetentionPolicy outbound_policy(const Config& config) {
  return {"outbound_messages", "updated_at", "status IN ('sent', 'failed', 'blocked_opt_out', 'cancelled')",
          config.get_int("retention.outbound_days")};
}

std::vector<RetentionPolicy> analytics_policies(const Config& config) {
  return {{"search_analytics", "created_at", "", config.get_int("retention.search_analytics_days")},
          {"lightrag_query_runs", "created_at", "", config.get_int("retention.lightrag_query_runs_days")}};
}

Purge purge(pqxx::connection& conn, const RetentionPolicy& policy, const std::string& project_id,
            const std::string& account_scope_id, int batch) {
  // Table, column and condition come from the policies above, never from input.
  const std::string& t = policy.table;
  const std::string& age = policy.age_column;
  const std::string overdue = "project_id = $1::uuid AND account_scope_id = $2::uuid AND " + age +
                              " < now() - make_interval(days => $3)" +
                              (policy.condition.empty() ? "" : " AND " + policy.condition);
  auto row = pqxx::nontransaction(conn).exec_params1(
      "WITH doomed AS (SELECT id FROM " + t + " WHERE " + overdue + " ORDER BY " + age +
          " LIMIT $4 FOR UPDATE SKIP LOCKED), "
          "gone AS (DELETE FROM " + t + " WHERE id IN (SELECT id FROM doomed) RETURNING 1) "
          // The statement sees the rows as they were: the oldest one left is the batch's successor.
          "SELECT (SELECT count(*) FROM gone), "
          "  coalesce(round((extract(epoch FROM (now() - make_interval(days => $3)) - (SELECT " + age + " FROM " + t +
          "    WHERE " + overdue + " ORDER BY " + age + " OFFSET $4 LIMIT 1)) / 86400)::numeric, 2), 0)",
      project_id, account_scope_id, policy.days, batch);
  Purge out{.table = t, .retention_days = policy.days};
  out.deleted = row[0].as<long long>();
  out.saturated = out.deleted >= batch;
  out.lag_days = row[1].as<double>();
  return out;
}

}  // namespace labctl::lifecycle
