#include "labctl/domains/auth/project_access.hpp"

#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"
#include "labctl/core/json_optional.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/prepared.hpp"
#include "labctl/db/rows.hpp"
#include "labctl/db/sql_time.hpp"

namespace labctl::auth {
namespace {

// Projects the reach covers, as a condition on `p`: $1 the user id, $2 whether it is everything,
// $3 the one project of a key.
const std::string kReachable = "lower(btrim(p.name)) <> '" + std::string(projects::kLegacyName) +
                               "' AND ($3::uuid IS NULL OR p.id = $3::uuid) AND ($2 OR $3::uuid IS NOT NULL OR "
                               "EXISTS (SELECT 1 FROM project_assignments a WHERE a.project_id = p.id AND a.user_id = $1::uuid))";

const std::string kAssignmentColumns = "a.id::text, a.user_id::text, a.project_id::text, " +
                                       db::iso_utc("a.assigned_at") + ", a.assigned_by::text";

Assignment assignment_from(const pqxx::row& r) {
  Assignment a{r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), db::optional_text(r[4]),
               std::nullopt, std::nullopt, std::nullopt};
  if (r.size() > 5) {
    a.username = db::optional_text(r[5]);
    a.user_role = db::optional_text(r[6]);
    a.project_name = db::optional_text(r[7]);
  }
  return a;
}

}  // namespace

bool reaches(pqxx::connection& conn, const Reach& reach, const std::string& project_id) {
  pqxx::nontransaction tx(conn);
  return !db::exec_prepared(tx, "reaches_project", "SELECT 1 FROM projects p WHERE p.id = $4::uuid AND " + kReachable,
                            reach.user_id, reach.everything, reach.only, project_id)
              .empty();
}

std::vector<projects::Project> reachable_projects(pqxx::connection& conn, const Reach& reach) {
  std::vector<projects::Project> out;
  pqxx::nontransaction tx(conn);
  for (const auto& r : db::exec_prepared(
           tx, "reachable_projects",
           "SELECT p.id::text, p.name, p.account_scope_id::text, " + db::iso_utc("p.created_at") +
               ", p.phase::text FROM projects p WHERE " + kReachable + " ORDER BY p.created_at DESC, p.id",
           reach.user_id, reach.everything, reach.only))
    out.push_back({r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str()});
  return out;
}

std::optional<std::string> fallback_project(pqxx::connection& conn, const Reach& reach,
                                            const std::vector<std::string>& preferred) {
  std::vector<std::string> ids;
  for (const auto& id : preferred)
    if (is_uuid(id) && ids.size() < 100) ids.push_back(to_lower(id));
  auto rows = pqxx::nontransaction(conn).exec_params(
      "SELECT p.id::text FROM projects p LEFT JOIN unnest($4::uuid[]) WITH ORDINALITY AS w(id, n) ON w.id = p.id "
      "WHERE " + kReachable + " ORDER BY w.n NULLS LAST, p.created_at DESC, p.id LIMIT 1",
      reach.user_id, reach.everything, reach.only, db::pg_text_array(ids));
  return rows.empty() ? std::nullopt : std::optional<std::string>(rows[0][0].c_str());
}

void to_json(nlohmann::json& j, const Assignment& a) {
  j = {{"id", a.id}, {"user_id", a.user_id}, {"project_id", a.project_id}, {"assigned_at", a.assigned_at},
       {"assigned_by", a.assigned_by}};
  if (a.username) {
    j["username"] = *a.username;
    j["user_role"] = a.user_role;
    j["project_name"] = a.project_name;
  }
}

std::vector<Assignment> list_assignments(pqxx::connection& conn, const AssignmentFilter& filter) {
  std::vector<Assignment> out;
  for (const auto& r : pqxx::nontransaction(conn).exec_params(
           "SELECT " + kAssignmentColumns + ", u.username, u.role, p.name FROM project_assignments a "
           "JOIN app_users u ON u.id = a.user_id JOIN projects p ON p.id = a.project_id "
           "WHERE ($1::uuid IS NULL OR a.project_id = $1::uuid) AND ($2::uuid IS NULL OR a.user_id = $2::uuid) "
           "ORDER BY a.assigned_at, a.id",
           filter.project_id, filter.user_id))
    out.push_back(assignment_from(r));
  return out;
}

std::optional<Assignment> assign(pqxx::connection& conn, const std::string& user_id, const std::string& project_id,
                                 const std::optional<std::string>& assigned_by) {
  pqxx::work tx(conn);
  if (tx.exec_params("SELECT 1 FROM app_users WHERE id = $1::uuid", user_id).empty())
    throw not_found("user_not_found", "user " + user_id + " not found");
  auto project = tx.exec_params("SELECT name FROM projects WHERE id = $1::uuid", project_id);
  if (project.empty() || projects::is_legacy_name(project[0][0].c_str()))
    throw not_found("project_not_found", "project " + project_id + " not found");
  auto rows = tx.exec_params(
      "INSERT INTO project_assignments AS a (user_id, project_id, assigned_by) VALUES ($1::uuid, $2::uuid, $3::uuid) "
      "ON CONFLICT (user_id, project_id) DO NOTHING RETURNING " + kAssignmentColumns,
      user_id, project_id, assigned_by);
  tx.commit();
  return rows.empty() ? std::nullopt : std::optional<Assignment>(assignment_from(rows[0]));
}

void unassign(pqxx::connection& conn, const std::string& user_id, const std::string& project_id) {
  auto r = pqxx::nontransaction(conn).exec_params(
      "DELETE FROM project_assignments WHERE user_id = $1::uuid AND project_id = $2::uuid", user_id, project_id);
  if (r.affected_rows() == 0) throw not_found("assignment_not_found", "no such assignment");
}

}  // namespace labctl::auth
