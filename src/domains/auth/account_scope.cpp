#include "labctl/domains/auth/account_scope.hpp"

#include <algorithm>
#include <set>

#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/db/rows.hpp"

namespace labctl::auth {

std::optional<std::string> account_scope_of(pqxx::connection& conn, const std::vector<std::string>& candidate_ids) {
  std::vector<std::string> ids;
  for (const auto& id : candidate_ids)
    if (is_uuid(id)) ids.push_back(to_lower(id));
  if (ids.empty()) return std::nullopt;
  auto rows = pqxx::nontransaction(conn).exec_params(
      "SELECT DISTINCT account_scope_id::text FROM projects WHERE id = ANY($1::uuid[]) "
      "  AND lower(btrim(name)) <> $2 LIMIT 2",
      db::pg_text_array(ids), std::string(projects::kLegacyName));
  if (rows.empty()) throw Error(ErrorClass::not_found, "projects_not_found", "None of the named projects exists");
  if (rows.size() > 1)
    throw Error(ErrorClass::conflict, "account_scope_mismatch", "The named projects belong to different account scopes");
  return rows[0][0].c_str();
}

std::vector<projects::Project> scope_projects(pqxx::connection& conn, const Reach& reach,
                                              const std::string& account_scope_id) {
  std::vector<projects::Project> out;
  for (auto& p : reachable_projects(conn, reach))
    if (p.account_scope_id == account_scope_id) out.push_back(std::move(p));
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::vector<std::string> select_projects(const std::vector<projects::Project>& available,
                                         const std::vector<std::string>& requested,
                                         const std::optional<std::string>& active_project_id) {
  auto listed = [&](const std::string& id) {
    return std::any_of(available.begin(), available.end(), [&](const auto& p) { return p.id == id; });
  };
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& raw : requested)
    if (auto id = to_lower(raw); listed(id) && seen.insert(id).second) out.push_back(id);
  if (out.empty() && active_project_id && listed(*active_project_id)) out.push_back(*active_project_id);
  if (out.empty())
    for (const auto& p : available) out.push_back(p.id);
  return out;
}

}  // namespace labctl::auth
