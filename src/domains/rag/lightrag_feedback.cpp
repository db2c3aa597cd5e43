#include "labctl/domains/rag/lightrag_feedback.hpp"

#include "labctl/core/error.hpp"
#include "labctl/db/sql_time.hpp"

namespace labctl::rag {

nlohmann::json add_feedback(pqxx::transaction_base& tx, const std::string& project_id,
                            const std::string& account_scope_id, long long query_run_id, int rating,
                            const std::optional<std::string>& comment, const std::optional<std::string>& created_by) {
  // The run is looked up inside the scope, so another project's run id is indistinguishable
  // from one that does not exist.
  auto rows = tx.exec_params(
      "INSERT INTO lightrag_feedback (project_id, account_scope_id, query_run_id, rating, comment, created_by) "
      "SELECT $1, $2, r.id, $4, $5, $6 FROM lightrag_query_runs r "
      "WHERE r.id = $3 AND r.project_id = $1 AND r.account_scope_id = $2 "
      "RETURNING id, query_run_id, rating, comment, " + db::iso_utc("created_at"),
      project_id, account_scope_id, query_run_id, rating, comment, created_by);
  if (rows.empty()) throw not_found("not_found", "query run " + std::to_string(query_run_id) + " not found");
  const auto& r = rows[0];
  return {{"id", r[0].as<std::string>()},
          {"query_run_id", r[1].as<std::string>()},
          {"rating", r[2].as<int>()},
          {"comment", r[3].is_null() ? nlohmann::json() : nlohmann::json(r[3].as<std::string>())},
          {"created_at", r[4].as<std::string>()}};
}

}  // namespace labctl::rag
