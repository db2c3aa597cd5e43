#pragma once
// Projects and their account scopes (data-model §2, api.md §4.1).
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace labctl::projects {

inline constexpr const char* kLegacyName = "__legacy_scope__";

struct Project {
  std::string id;
  std::string name;
  std::string account_scope_id;
  std::string created_at;
  std::string phase;
};
void to_json(nlohmann::json& j, const Project& p);

struct NewProject {
  std::string name;
  std::optional<std::string> account_scope_key;   // upserted when given, else `default`
  std::optional<std::string> account_scope_name;
};

bool is_legacy_name(const std::string& name);

// 404 project_not_found for unknown ids and the legacy project.
Project get(pqxx::connection& conn, const std::string& id);
// 400 reserved_name for the legacy name.
Project create(pqxx::connection& conn, const NewProject& input);

}  // namespace labctl::projects
