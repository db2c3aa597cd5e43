#pragma once
// Who reaches which project (api.md §2.8, §3, users.md): owners and the environment owner reach
// every project; everyone else the projects a `project_assignments` row gives them. The legacy
// project is nobody's.
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "labctl/domains/projects/projects.hpp"

namespace labctl::auth {

struct Reach {
  bool everything = false;             // an owner
  std::optional<std::string> user_id;  // else: this user's assignments
  std::optional<std::string> only;     // an API key: its project alone
};

bool reaches(pqxx::connection& conn, const Reach& reach, const std::string& project_id);
// Newest first, the legacy project hidden.
std::vector<projects::Project> reachable_projects(pqxx::connection& conn, const Reach& reach);

// A session's project when it has none that exists (api.md §3): the first reachable of
// `preferred` (valid uuids, in order), else the newest reachable project, else none.
std::optional<std::string> fallback_project(pqxx::connection& conn, const Reach& reach,
                                            const std::vector<std::string>& preferred);

struct Assignment {
  std::string id, user_id, project_id, assigned_at;
  std::optional<std::string> assigned_by;
  std::optional<std::string> username, user_role, project_name;  // listings only
};
void to_json(nlohmann::json& j, const Assignment& a);

struct AssignmentFilter {
  std::optional<std::string> project_id, user_id;
};
std::vector<Assignment> list_assignments(pqxx::connection& conn, const AssignmentFilter& filter);  // oldest first
// The new row, or none when the user already had it. 404 user_not_found / project_not_found.
std::optional<Assignment> assign(pqxx::connection& conn, const std::string& user_id, const std::string& project_id,
                                 const std::optional<std::string>& assigned_by);
// 404 assignment_not_found.
void unassign(pqxx::connection& conn, const std::string& user_id, const std::string& project_id);

}  // namespace labctl::auth
