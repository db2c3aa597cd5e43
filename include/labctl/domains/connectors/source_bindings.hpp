#pragma once
// project_sources: which Chatwoot account / Linear workspace / Attio workspace feeds which
// project (connectors.md §1). One external id binds to one project, one per kind per project.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace labctl::connectors {

// chatwoot → chatwoot_account, linear → linear_workspace, attio → attio_workspace (the
// connector table's source_kind); 400 unsupported_connector for any other name.
std::string source_kind(const std::string& connector);

struct SourceBinding {
  std::string id;
  std::string project_id;
  std::string project_name;
  std::string connector;
  std::string source_kind;
  std::string external_id;
  nlohmann::json meta;
  std::string created_at;
};
void to_json(nlohmann::json& j, const SourceBinding& b);

// All bindings, or one project's.
std::vector<SourceBinding> list_bindings(pqxx::connection& conn, const std::optional<std::string>& project_id);
// Idempotent for the same pair; 409 when either side is already bound elsewhere.
SourceBinding bind_source(pqxx::connection& conn, const std::string& project_id, const std::string& connector,
                   const std::string& external_id);
// Keeps the synced data; returns false when there was no binding.
bool unbind_source(pqxx::connection& conn, const std::string& project_id, const std::string& connector);

// §1 resolveProjectSourceBinding: the bound id, else bind `fallback` (meta env_bootstrap),
// else 409 <label>_source_not_bound. Runs inside the caller's transaction.
std::string resolve_binding(pqxx::transaction_base& tx, const std::string& project_id,
                            const std::string& connector, const std::optional<std::string>& fallback);

}  // namespace labctl::connectors
