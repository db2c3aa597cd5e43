#include "labctl/domains/connectors/source_bindings.hpp"

#include "labctl/core/error.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/connectors/connector_table.hpp"

namespace labctl::connectors {
namespace {

// The reference's error prefixes; serve maps "<label>_source_" errors to <connector>_source_binding_error.
Error binding_error(const std::string& connector, const std::string& what, const std::string& message) {
  return Error(ErrorClass::conflict, connector_named(connector).binding_label + "_source_" + what, message);
}

const std::string kSelect = "SELECT s.id::text, s.project_id::text, p.name, s.source_kind, s.external_id, s.meta::text, " +
                            db::iso_utc("s.created_at") + " FROM project_sources s JOIN projects p ON p.id = s.project_id ";

SourceBinding from_row(const pqxx::row& r) {
  std::string kind = r[3].c_str();
  std::string connector = kind;
  for (const auto& c : connector_table())
    if (c.source_kind == kind) connector = c.name;
  return {r[0].c_str(), r[1].c_str(), r[2].c_str(), connector, kind, r[4].c_str(),
          nlohmann::json::parse(r[5].c_str()), r[6].c_str()};
}

// Who holds the external id, and what the project holds, for a clear conflict message.
void explain_conflict(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector,
                      const std::string& external_id) {
  auto kind = source_kind(connector);
  auto holder = tx.exec_params("SELECT project_id::text FROM project_sources WHERE source_kind = $1 AND external_id = $2",
                               kind, external_id);
  if (!holder.empty() && holder[0][0].c_str() != project_id)
    throw binding_error(connector, "external_id_already_bound_to_another_project",
                        kind + " " + external_id + " is already bound to project " + holder[0][0].c_str());
  auto own = tx.exec_params("SELECT external_id FROM project_sources WHERE project_id = $1 AND source_kind = $2",
                            project_id, kind);
  if (!own.empty() && own[0][0].c_str() != external_id)
    throw binding_error(connector, "project_already_has_binding",
                        "project " + project_id + " is already bound to " + kind + " " + own[0][0].c_str() +
                            "; unbind it first");
}

}  // namespace

std::string source_kind(const std::string& connector) { return connector_named(connector).source_kind; }

void to_json(nlohmann::json& j, const SourceBinding& b) {
  j = {{"id", b.id},           {"project_id", b.project_id}, {"project_name", b.project_name},
       {"connector", b.connector}, {"source_kind", b.source_kind}, {"external_id", b.external_id},
       {"meta", b.meta},       {"created_at", b.created_at}};
}

std::vector<SourceBinding> list_bindings(pqxx::connection& conn, const std::optional<std::string>& project_id) {
  pqxx::read_transaction tx(conn);
  std::vector<SourceBinding> out;
  auto rows = project_id ? tx.exec_params(kSelect + "WHERE s.project_id = $1 ORDER BY p.name, s.source_kind",
                                          *project_id)
                         : tx.exec(kSelect + "ORDER BY p.name, s.source_kind");
  for (const auto& r : rows) out.push_back(from_row(r));
  return out;
}

SourceBinding bind_source(pqxx::connection& conn, const std::string& project_id, const std::string& connector,
                   const std::string& external_id) {
  auto kind = source_kind(connector);
  pqxx::work tx(conn);
  explain_conflict(tx, project_id, connector, external_id);
  tx.exec_params(
      "INSERT INTO project_sources (project_id, source_kind, external_id, meta) VALUES ($1, $2, $3, '{\"source\":\"cli\"}') "
      "ON CONFLICT (project_id, source_kind) DO NOTHING",
      project_id, kind, external_id);
  auto row = tx.exec_params1(kSelect + "WHERE s.project_id = $1 AND s.source_kind = $2", project_id, kind);
  tx.commit();
  return from_row(row);
}

bool unbind_source(pqxx::connection& conn, const std::string& project_id, const std::string& connector) {
  pqxx::work tx(conn);
  auto r = tx.exec_params("DELETE FROM project_sources WHERE project_id = $1 AND source_kind = $2", project_id,
                          source_kind(connector));
  tx.commit();
  return r.affected_rows() > 0;
}

std::string resolve_binding(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector,
                            const std::optional<std::string>& fallback) {
  auto kind = source_kind(connector);
  auto bound = tx.exec_params("SELECT external_id FROM project_sources WHERE project_id = $1 AND source_kind = $2",
                              project_id, kind);
  if (!bound.empty()) return bound[0][0].c_str();
  if (!fallback || fallback->empty())
    throw binding_error(connector, "not_bound",
                        "project " + project_id + " has no " + kind + " binding: run 'labctl sources bind " + connector +
                            " ID --project " + project_id + "'");
  explain_conflict(tx, project_id, connector, *fallback);
  tx.exec_params(
      "INSERT INTO project_sources (project_id, source_kind, external_id, meta) "
      "VALUES ($1, $2, $3, '{\"source\":\"env_bootstrap\"}')",
      project_id, kind, *fallback);
  return *fallback;
}

}  // namespace labctl::connectors
