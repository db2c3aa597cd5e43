#pragma once
// A project's sync_watermarks rows (connectors.md §6): where each source's next incremental pull
// starts, for the status views (control tower, jobs status).
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace labctl::connectors {

struct SourceWatermark {
  std::string source;  // chatwoot:101, linear:<workspace>, attio:<workspace>
  std::optional<std::string> cursor_ts, cursor_id;
  std::string updated_at;
};
void to_json(nlohmann::json& j, const SourceWatermark& w);

// Newest first.
std::vector<SourceWatermark> list_watermarks(pqxx::transaction_base& tx, const std::string& project_id,
                                             const std::string& account_scope_id);

}  // namespace labctl::connectors
