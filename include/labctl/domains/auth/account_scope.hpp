#pragma once
// The account scope of a portfolio request (api.md §3, scheduler-and-intelligence.md §5): a
// caller without one derives it from the projects it names; the portfolio then covers the
// projects of that scope the caller reaches.
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/domains/auth/project_access.hpp"
#include "labctl/domains/projects/projects.hpp"

namespace labctl::auth {

// The one account scope of the candidate projects (none when no valid id is given): none of them
// exists → 404 projects_not_found; several scopes → 409 account_scope_mismatch.
std::optional<std::string> account_scope_of(pqxx::connection& conn, const std::vector<std::string>& candidate_ids);

// The projects of the account scope the caller reaches, by name (the legacy project hidden).
std::vector<projects::Project> scope_projects(pqxx::connection& conn, const Reach& reach,
                                              const std::string& account_scope_id);

// The portfolio's selection: the requested ids among `available`, in order and once each;
// none of them → the active project if available; else every available project.
std::vector<std::string> select_projects(const std::vector<projects::Project>& available,
                                         const std::vector<std::string>& requested,
                                         const std::optional<std::string>& active_project_id);

}  // namespace labctl::auth
