#include "labctl/domains/auth/login_throttle.hpp"

namespace labctl::auth {
namespace {

std::string window(const ThrottleLimits& limits) {
  return "make_interval(mins => " + std::to_string(limits.window_minutes) + ")";
}

}  // namespace

long long login_blocked_for(pqxx::connection& conn, const std::string& key, const ThrottleLimits& limits) {
  auto rows = pqxx::nontransaction(conn).exec_params(
      "SELECT ceil(extract(epoch FROM window_started_at + " + window(limits) + " - now()))::bigint "
      "FROM login_failures WHERE attempt_key = $1 AND failures >= $2 AND window_started_at + " + window(limits) +
          " > now()",
      key, limits.max_attempts);
  return rows.empty() ? 0 : std::max<long long>(1, rows[0][0].as<long long>());
}

void record_login_failure(pqxx::connection& conn, const std::string& key, const ThrottleLimits& limits) {
  // One statement, so that concurrent failures from several processes all count.
  pqxx::nontransaction(conn).exec_params(
      "INSERT INTO login_failures AS f (attempt_key, failures) VALUES ($1, 1) ON CONFLICT (attempt_key) DO UPDATE SET "
      "failures = CASE WHEN f.window_started_at + " + window(limits) + " > now() THEN f.failures + 1 ELSE 1 END, "
      "window_started_at = CASE WHEN f.window_started_at + " + window(limits) +
          " > now() THEN f.window_started_at ELSE now() END",
      key);
}

void clear_login_failures(pqxx::connection& conn, const std::string& key) {
  pqxx::nontransaction(conn).exec_params("DELETE FROM login_failures WHERE attempt_key = $1", key);
}

long long purge_login_failures(pqxx::connection& conn, const ThrottleLimits& limits) {
  return pqxx::nontransaction(conn)
      .exec("DELETE FROM login_failures WHERE window_started_at + " + window(limits) + " <= now()")
      .affected_rows();
}

}  // namespace labctl::auth
