#include "labctl/domains/auth/api_keys.hpp"

#include <algorithm>

#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/prepared.hpp"
#include "labctl/db/rows.hpp"
#include "labctl/db/sql_time.hpp"

namespace labctl::auth {
namespace {

const std::string kColumns = "id::text, project_id::text, account_scope_id::text, key_prefix, name, "
                             "array_to_json(scopes)::text, " + db::iso_utc("expires_at") + ", " +
                             db::iso_utc("last_used_at") + ", " + db::iso_utc("created_at");

ApiKey from_row(const pqxx::row& r) {
  return {r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(),
          nlohmann::json::parse(r[5].c_str()).get<std::vector<std::string>>(), db::optional_text(r[6]),
          db::optional_text(r[7]), r[8].c_str()};
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

bool ApiKey::may_write() const { return has(scopes, "write") || has(scopes, "admin"); }
std::string ApiKey::role() const { return has(scopes, "admin") ? "owner" : "pm"; }
std::string ApiKey::actor() const { return "apikey:" + (name.empty() ? id : name); }

MadeApiKey create_api_key(pqxx::connection& conn, const NewApiKey& input) {
  std::vector<std::string> scopes;
  for (const auto& s : input.scopes)
    if ((s == "read" || s == "write" || s == "admin") && !has(scopes, s)) scopes.push_back(s);
  if (scopes.empty()) scopes.push_back("read");
  std::string name = utf8_prefix(trim_text(input.name), 100);
  if (name.empty()) name = "Unnamed key";
  std::string raw = "lp_" + random_base64url(32);
  pqxx::work tx(conn);
  auto row = tx.exec_params1(
      "INSERT INTO api_keys (project_id, account_scope_id, key_hash, key_prefix, name, scopes, expires_at) "
      "VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6::text[], $7::timestamptz) RETURNING " + kColumns,
      input.project_id, input.account_scope_id, sha256_hex(raw), raw.substr(0, 11), name,
      db::pg_text_array(scopes), input.expires_at);
  tx.commit();
  return {from_row(row), raw};
}

std::vector<ApiKey> list_api_keys(pqxx::connection& conn, const std::string& project_id) {
  std::vector<ApiKey> out;
  for (const auto& r : pqxx::nontransaction(conn).exec_params(
           "SELECT " + kColumns + " FROM api_keys WHERE project_id = $1::uuid ORDER BY created_at DESC, id", project_id))
    out.push_back(from_row(r));
  return out;
}

void revoke_api_key(pqxx::connection& conn, const std::string& project_id, const std::string& id) {
  auto r = pqxx::nontransaction(conn).exec_params("DELETE FROM api_keys WHERE project_id = $1::uuid AND id = $2::uuid",
                                                  project_id, id);
  if (r.affected_rows() == 0) throw not_found("not_found", "API key " + id + " not found");
}

ApiKey authenticate_api_key(pqxx::connection& conn, const std::string& raw) {
  pqxx::nontransaction tx(conn);
  auto rows = db::exec_prepared(tx, "authenticate_api_key",
                                "SELECT " + kColumns + ", expires_at IS NOT NULL AND expires_at <= now(), "
                                "last_used_at IS NULL OR last_used_at < now() - interval '1 minute' "
                                "FROM api_keys WHERE key_hash = $1",
                                sha256_hex(raw));
  if (rows.empty()) throw Error(ErrorClass::unauthorized, "unauthorized", "Invalid API key");
  if (rows[0][9].as<bool>()) throw Error(ErrorClass::unauthorized, "unauthorized", "API key expired");
  ApiKey key = from_row(rows[0]);
  if (rows[0][10].as<bool>()) tx.exec_params("UPDATE api_keys SET last_used_at = now() WHERE id = $1::uuid", key.id);
  return key;
}

}  // namespace labctl::auth
