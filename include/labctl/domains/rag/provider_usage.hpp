#pragma once
// provider_usage rows (data-model §6): what each provider call cost, per project, and the
// `labctl usage` report over them.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace labctl {
class Config;
}

namespace labctl::rag {

// USD per million tokens by model, from rag.embedding_prices ("model=price,…").
// Error(config) on a malformed entry.
std::map<std::string, double> embedding_prices(const Config& config);

struct Usage {
  std::string provider, model, operation;  // operation: embed_chunks | embed_query
  long long inputs = 0, tokens = 0;
};

void record_usage(pqxx::transaction_base& tx, const std::string& project_id, const std::string& account_scope_id,
                  const Usage& usage, const std::map<std::string, double>& prices);

// Totals since `since` (an ISO date or timestamp; all time when empty) grouped by provider,
// model, project or day, newest day first, else by cost. `project_id` limits it to one project.
nlohmann::json usage_report(pqxx::transaction_base& tx, const std::optional<std::string>& since,
                            const std::string& group_by, const std::optional<std::string>& project_id);

}  // namespace labctl::rag
