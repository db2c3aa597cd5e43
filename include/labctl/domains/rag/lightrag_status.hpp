#pragma once
// GET /lightrag/status (rag.md §5.9): the scope's chunks by embedding status and its source
// counts; every key is always present.
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>

namespace labctl::rag {

nlohmann::json lightrag_status(pqxx::transaction_base& tx, const std::string& project_id,
                               const std::string& account_scope_id);

}  // namespace labctl::rag
