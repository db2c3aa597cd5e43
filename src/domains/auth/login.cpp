#include "labctl/domains/auth/login.hpp"

#include <spdlog/spdlog.h>

#include "labctl/core/error.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/domains/auth/passwords.hpp"

namespace labctl::auth {
namespace {

// Compared against when the name is not the owner's, so that a hashed owner secret costs one
// bcrypt whoever logs in (no timing oracle for the owner's name).
const std::string kDummyHash = "$2b$12$ra8cLSAg7RtZhZP3upDJX.Q9S.2BLBvSNTSklj4kojUQVaUvNxPVe";

std::string normalised(const std::string& name) { return to_lower(trim_text(name)); }

}  // namespace

std::optional<EnvironmentOwner> environment_owner(const std::string& credentials, const std::string& username,
                                                  const std::string& password) {
  std::string name, secret;
  if (!credentials.empty()) {
    auto colon = credentials.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == credentials.size())
      throw config_error("AUTH_CREDENTIALS must be login:secret with neither part empty");
    name = credentials.substr(0, colon);
    secret = credentials.substr(colon + 1);
  } else if (!username.empty() || !password.empty()) {
    if (username.empty() || password.empty())
      throw config_error("AUTH_USERNAME and AUTH_PASSWORD (or ADMIN_USERNAME and ADMIN_PASSWORD) must be set together");
    name = username;
    secret = password;
  } else {
    return std::nullopt;
  }
  EnvironmentOwner owner{normalised(name), secret, looks_like_bcrypt(secret)};
  if (owner.username.empty()) throw config_error("the environment owner's login is empty");
  return owner;
}

Session log_in(pqxx::connection& conn, const std::optional<EnvironmentOwner>& owner, const ThrottleLimits& limits,
               const LoginAttempt& attempt) {
  const std::string name = normalised(attempt.username);
  if (name.empty() || attempt.password.empty())
    throw Error(ErrorClass::invalid_params, "missing_credentials", "username and password are required");
  const std::string key = attempt.client_ip + ":" + name;
  AuthEvent event{.action = "auth.login", .username = name, .client_ip = attempt.client_ip,
                  .request_id = attempt.request_id};
  if (long long wait = login_blocked_for(conn, key, limits)) {
    event.action = "auth.login_rate_limited";
    event.status = "failed";
    record_auth_event(conn, event);
    throw Error(ErrorClass::rate_limited, "login_rate_limited", "Too many failed logins; try again later",
                {{"retry_after", wait}});
  }
  bool ok = false;
  std::optional<std::string> user_id;
  auto user = pqxx::nontransaction(conn).exec_params(
      "SELECT id::text, password_hash, disabled_at IS NOT NULL FROM app_users WHERE lower(username) = $1", name);
  if (!user.empty()) {
    ok = verify_password(attempt.password, user[0][1].c_str()) && !user[0][2].as<bool>();
    user_id = user[0][0].c_str();
  } else if (owner) {
    const bool same_name = constant_time_equal(name, owner->username);
    if (owner->hashed)
      ok = verify_password(attempt.password, same_name ? owner->secret : kDummyHash) && same_name;
    else
      ok = constant_time_equal(attempt.password, owner->secret) && same_name;
  }
  if (!ok) {
    record_login_failure(conn, key, limits);
    event.action = "auth.login_failed";
    event.status = "failed";
    record_auth_event(conn, event);
    throw Error(ErrorClass::unauthorized, "invalid_credentials", "Invalid credentials");
  }
  clear_login_failures(conn, key);
  Session session = create_session(conn, name, user_id);
  event.user_id = user_id;
  record_auth_event(conn, event);
  return session;
}

void record_auth_event(pqxx::connection& conn, const AuthEvent& e) {
  try {
    pqxx::nontransaction(conn).exec_params(
        "INSERT INTO auth_events (action, username, user_id, client_ip, status, request_id) "
        "VALUES ($1, $2, $3::uuid, $4, $5, $6)",
        e.action, e.username, e.user_id, e.client_ip, e.status, e.request_id);
  } catch (const pqxx::sql_error& err) {
    spdlog::error("auth event {} not recorded (SQLSTATE {})", e.action, err.sqlstate());
  }
  spdlog::info("{} {} from {} [{}]", e.action, e.status, e.client_ip, e.request_id);
}

}  // namespace labctl::auth
