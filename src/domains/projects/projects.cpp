#include "labctl/domains/projects/projects.hpp"

#include "labctl/core/error.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/db/prepared.hpp"
#include "labctl/db/sql_time.hpp"

namespace labctl::projects {
namespace {

const std::string kColumns = "id::text, name, account_scope_id::text, " + db::iso_utc("created_at") + ", phase::text";

Project from_row(const pqxx::row& r) {
  return {r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str()};
}
}  // namespace

void to_json(nlohmann::json& j, const Project& p) {
  j = {{"id", p.id},
       {"name", p.name},
       {"account_scope_id", p.account_scope_id},
       {"created_at", p.created_at},
       {"phase", p.phase}};
}

bool is_legacy_name(const std::string& name) { return to_lower(trim_text(name)) == kLegacyName; }

Project get(pqxx::connection& conn, const std::string& id) {
  pqxx::nontransaction tx(conn);  // one statement: every request's scope lookup, no BEGIN/ROLLBACK
  auto rows = db::exec_prepared(tx, "get_project", "SELECT " + kColumns + " FROM projects WHERE id = $1::uuid", id);
  if (rows.empty() || is_legacy_name(rows[0][1].c_str()))
    throw not_found("project_not_found", "project " + id + " not found");
  return from_row(rows[0]);
}

Project create(pqxx::connection& conn, const NewProject& input) {
  if (is_legacy_name(input.name))
    throw Error(ErrorClass::invalid_params, "reserved_name", "project name '" + input.name + "' is reserved",
                nlohmann::json::array({validation_issue("name", "project name is reserved", "custom")}));
  pqxx::work tx(conn);
  pqxx::result scope;
  if (input.account_scope_key) {
    scope = tx.exec_params(
        "INSERT INTO account_scopes (scope_key, name) VALUES ($1, coalesce($2, 'Project account scope')) "
        "ON CONFLICT (scope_key) DO UPDATE SET name = coalesce($2, account_scopes.name) RETURNING id::text",
        *input.account_scope_key, input.account_scope_name);
  } else {
    scope = tx.exec("SELECT id::text FROM account_scopes WHERE scope_key = 'default'");
    if (scope.empty())
      throw Error(ErrorClass::internal, "account_scope_resolve_failed", "the default account scope is missing");
  }
  auto row = tx.exec_params1("INSERT INTO projects (name, account_scope_id) VALUES ($1, $2::uuid) RETURNING " + kColumns,
                             input.name, scope[0][0].c_str());
  tx.commit();
  return from_row(row);
}

}  // namespace labctl::projects
