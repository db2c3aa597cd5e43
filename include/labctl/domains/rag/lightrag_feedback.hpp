#pragma once
// POST /lightrag/feedback (rag.md §5.8): a rating of one of the scope's query runs. Another
// project's run and a run that does not exist are the same 404 not_found.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace labctl::rag {

nlohmann::json add_feedback(pqxx::transaction_base& tx, const std::string& project_id,
                            const std::string& account_scope_id, long long query_run_id, int rating,
                            const std::optional<std::string>& comment, const std::optional<std::string>& created_by);

}  // namespace labctl::rag
