#include "labctl/domains/auth/sessions.hpp"

#include "labctl/core/ids.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/prepared.hpp"
#include "labctl/db/sql_time.hpp"

namespace labctl::auth {
namespace {

const std::string kIdle = "interval '" + std::to_string(kSessionDays) + " days'";

}  // namespace

Session create_session(pqxx::connection& conn, const std::string& username, const std::optional<std::string>& user_id) {
  Session s{.session_id = random_hex(32), .username = username, .user_id = user_id, .csrf_token = random_hex(24)};
  pqxx::work tx(conn);
  auto r = tx.exec_params1(
      "INSERT INTO sessions (session_id, username, user_id, csrf_token) VALUES ($1, $2, $3::uuid, $4) "
      "RETURNING " + db::iso_utc("created_at") + ", " + db::iso_utc("last_seen_at") +
          ", coalesce((SELECT role FROM app_users WHERE id = $3::uuid), 'owner')",
      s.session_id, username, user_id, s.csrf_token);
  tx.commit();
  s.created_at = r[0].c_str();
  s.last_seen_at = r[1].c_str();
  s.role = r[2].c_str();
  return s;
}

std::optional<Session> find_session(pqxx::connection& conn, const std::string& session_id) {
  if (session_id.size() != 64 || session_id.find_first_not_of("0123456789abcdef") != std::string::npos)
    return std::nullopt;
  pqxx::nontransaction tx(conn);
  // One statement: the row, its project's scope and its user's role, marked seen when it was not
  // for 30 seconds (the reference batches those writes every 30 s).
  auto rows = db::exec_prepared(
      tx, "find_session",
      "WITH live AS (SELECT * FROM sessions WHERE session_id = $1 AND last_seen_at > now() - " + kIdle + "), "
      "seen AS (UPDATE sessions SET last_seen_at = now() WHERE session_id = $1 "
      "  AND last_seen_at <= now() - interval '30 seconds' AND last_seen_at > now() - " + kIdle +
          " RETURNING last_seen_at) "
      "SELECT l.session_id, l.username, l.user_id::text, coalesce(u.role, 'owner'), p.id::text, "
      "  p.account_scope_id::text, l.csrf_token, " + db::iso_utc("l.created_at") + ", " +
          db::iso_utc("coalesce((SELECT last_seen_at FROM seen), l.last_seen_at)") +
          " FROM live l LEFT JOIN app_users u ON u.id = l.user_id LEFT JOIN projects p ON p.id = l.active_project_id",
      session_id);
  if (rows.empty()) return std::nullopt;
  const auto& r = rows[0];
  return Session{r[0].c_str(), r[1].c_str(), db::optional_text(r[2]), r[3].c_str(), db::optional_text(r[4]),
                 db::optional_text(r[5]), r[6].c_str(), r[7].c_str(), r[8].c_str()};
}

void delete_session(pqxx::connection& conn, const std::string& session_id) {
  pqxx::nontransaction(conn).exec_params("DELETE FROM sessions WHERE session_id = $1", session_id);
}

void set_active_project(pqxx::connection& conn, const std::string& session_id,
                        const std::optional<std::string>& project_id) {
  pqxx::nontransaction(conn).exec_params("UPDATE sessions SET active_project_id = $2::uuid WHERE session_id = $1",
                                         session_id, project_id);
}

void end_user_sessions(pqxx::transaction_base& tx, const std::string& user_id, const std::optional<std::string>& keep) {
  tx.exec_params("DELETE FROM sessions WHERE user_id = $1::uuid AND session_id IS DISTINCT FROM $2", user_id, keep);
}

long long sweep_sessions(pqxx::connection& conn) {
  return pqxx::nontransaction(conn).exec("DELETE FROM sessions WHERE last_seen_at <= now() - " + kIdle).affected_rows();
}

}  // namespace labctl::auth
