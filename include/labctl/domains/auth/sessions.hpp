#pragma once
// Login sessions (api.md §2.4), in PostgreSQL so that every `serve` process on the database
// knows every session. A session idle for 14 days is gone: rejected at lookup, deleted by sweep.
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace labctl::auth {

inline constexpr int kSessionDays = 14;

struct Session {
  std::string session_id;  // 64 hex characters, the `sid` cookie
  std::string username;
  std::optional<std::string> user_id;  // none: the environment owner
  std::string role;                    // the user's role; owner for the environment owner
  std::optional<std::string> active_project_id;
  std::optional<std::string> account_scope_id;  // the active project's
  std::string csrf_token;                       // 48 hex characters
  std::string created_at, last_seen_at;
};

Session create_session(pqxx::connection& conn, const std::string& username, const std::optional<std::string>& user_id);
// The live session with that id, or none (unknown, or idle past 14 days). Marks it seen, at
// most once every 30 seconds.
std::optional<Session> find_session(pqxx::connection& conn, const std::string& session_id);
void delete_session(pqxx::connection& conn, const std::string& session_id);
// Saves the session's active project (none clears it).
void set_active_project(pqxx::connection& conn, const std::string& session_id,
                        const std::optional<std::string>& project_id);
// Ends every session of a user but `keep` (a changed role or password, users.md).
void end_user_sessions(pqxx::transaction_base& tx, const std::string& user_id, const std::optional<std::string>& keep);
// Deletes sessions idle past 14 days; returns how many.
long long sweep_sessions(pqxx::connection& conn);

}  // namespace labctl::auth
