#include "labctl/domains/rag/lightrag_status.hpp"

namespace labctl::rag {

nlohmann::json lightrag_status(pqxx::transaction_base& tx, const std::string& project_id,
                               const std::string& account_scope_id) {
  nlohmann::json embeddings = {{"pending", 0}, {"processing", 0}, {"ready", 0}, {"failed", 0}};
  for (const auto& r : tx.exec_params("SELECT embedding_status, count(*) FROM rag_chunks "
                                      "WHERE project_id = $1 AND account_scope_id = $2 GROUP BY 1",
                                      project_id, account_scope_id))
    embeddings[r[0].as<std::string>()] = r[1].as<long long>();
  auto s = tx.exec_params1(
      "SELECT (SELECT count(*) FROM cw_messages WHERE project_id = $1 AND account_scope_id = $2), "
      "       (SELECT count(*) FROM linear_issues_raw WHERE project_id = $1 AND account_scope_id = $2), "
      "       (SELECT count(*) FROM attio_opportunities_raw WHERE project_id = $1 AND account_scope_id = $2)",
      project_id, account_scope_id);
  return {{"project_id", project_id},
          {"account_scope_id", account_scope_id},
          {"embeddings", embeddings},
          {"sources", {{"messages_total", s[0].as<long long>()},
                       {"linear_issues_total", s[1].as<long long>()},
                       {"opportunities_total", s[2].as<long long>()}}}};
}

}  // namespace labctl::rag
