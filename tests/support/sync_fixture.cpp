#include "support/sync_fixture.hpp"

namespace labctl::test {

using json = nlohmann::json;

const std::vector<std::pair<std::string, std::string>> kSyncedTables = {
    {"cw_inboxes_raw", "id"},
    {"cw_conversations", "id"},
    {"cw_messages", "id"},
    {"cw_contacts", "id"},
    {"cw_attachments_raw", "id"},
    {"rag_chunks", "message_global_id, chunk_index"},
    {"linear_projects_raw", "id"},
    {"linear_states_raw", "id"},
    {"linear_cycles_raw", "id"},
    {"linear_issues_raw", "id"},
    {"attio_accounts_raw", "id"},
    {"attio_opportunities_raw", "id"},
    {"attio_people_raw", "id"},
    {"attio_activities_raw", "id"},
    {"crm_accounts", "external_ref"},
    {"crm_opportunities", "external_ref"},
};

long long Db::count(const std::string& sql) {
  pqxx::nontransaction tx(conn_);
  return tx.exec1(sql)[0].as<long long>();
}

std::string Db::text(const std::string& sql) {
  pqxx::nontransaction tx(conn_);
  auto r = tx.exec1(sql);
  return r[0].is_null() ? "" : r[0].c_str();
}

long long Db::rows(const std::string& table, const std::string& project_id) {
  return count("SELECT count(*) FROM " + table + " WHERE project_id = '" + project_id + "'");
}

void Db::exec(const std::string& sql) {
  pqxx::nontransaction tx(conn_);
  tx.exec(sql);
}

std::map<std::string, std::string> Db::snapshot(const Project& p) {
  std::map<std::string, std::string> out;
  for (const auto& [table, key] : kSyncedTables) {
    // Tables keyed by something else have generated uuid ids (and references to them).
    std::string drop = key == "id" ? "" : " - 'id' - 'account_id'";
    out[table] = text("SELECT count(*) || ' rows, md5 ' || md5(replace(replace(coalesce(string_agg((to_jsonb(t) - "
                      "'created_at' - 'updated_at'" + drop + ")::text, E'\\n' ORDER BY " + key + "), ''), '" + p.id +
                      "', 'P'), '" + p.scope + "', 'S')) FROM " + table + " t WHERE project_id = '" + p.id + "'");
  }
  return out;
}

json parse(const Run& run) {
  INFO(run.err);
  auto j = json::parse(run.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

std::map<std::string, std::string> SyncFixture::environment(const Sandbox& s, const std::string& url) {
  auto env = test_env(url);
  for (const auto& [k, v] : s.env()) env[k] = v;
  env["LINEAR_SYNC_LIMIT"] = "25";
  env["ATTIO_SYNC_LIMIT"] = "10";
  env["CONNECTOR_HTTP_BACKOFF_MS"] = "20";
  env["CONNECTOR_HTTP_TIMEOUT_MS"] = "2000";
  return env;
}

Project SyncFixture::create_project(const std::string& name, size_t tenant) {
  auto created = parse(labctl({"projects", "create", name, "--output", "json"}));
  Project p{created["project"]["id"], created["project"]["account_scope_id"]};
  const auto& t = tenants[tenant];
  for (auto [connector, id] : {std::pair{"chatwoot", t["chatwoot"]["account_id"].dump()},
                               std::pair{"linear", t["linear"]["workspace_id"].get<std::string>()},
                               std::pair{"attio", t["attio"]["workspace_id"].get<std::string>()}}) {
    auto bound = labctl({"sources", "bind", connector, id, "--project", p.id});
    REQUIRE_MESSAGE(bound.exit_code == 0, bound.err);
  }
  return p;
}

json SyncFixture::sync(const std::string& connector, const Project& p, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"sync", connector, "--project", p.id, "--output", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto run = labctl(args);
  INFO(run.err);
  INFO(run.out);
  REQUIRE(run.exit_code == 0);
  return parse(run);
}

}  // namespace labctl::test
