#pragma once
// Logging in (api.md §2.1–2.3): an `app_users` row by name, else the environment owner; the
// brute-force limit first; a new session on success. Every attempt is an auth_events row.
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "labctl/domains/auth/login_throttle.hpp"
#include "labctl/domains/auth/sessions.hpp"

namespace labctl::auth {

// The owner configured in the environment: AUTH_CREDENTIALS="login:secret", else AUTH_USERNAME
// (ADMIN_USERNAME) + AUTH_PASSWORD (ADMIN_PASSWORD). The secret is a bcrypt hash when it looks
// like one, else plaintext (`serve` warns about that once, at start).
struct EnvironmentOwner {
  std::string username;  // normalised: trimmed, lower-cased
  std::string secret;
  bool hashed = false;
};

// None when nothing is configured; Error(config) naming the setting when what is configured is
// unusable (an empty part of AUTH_CREDENTIALS, a name without a password).
std::optional<EnvironmentOwner> environment_owner(const std::string& credentials, const std::string& username,
                                                  const std::string& password);

struct LoginAttempt {
  std::string username, password;
  std::string client_ip;
  std::string request_id;
};

// 400 missing_credentials, 429 login_rate_limited (details: retry_after seconds), 401
// invalid_credentials (the same for an unknown name and a wrong password); else the new session.
Session log_in(pqxx::connection& conn, const std::optional<EnvironmentOwner>& owner, const ThrottleLimits& limits,
               const LoginAttempt& attempt);

struct AuthEvent {
  std::string action;  // auth.login, auth.login_failed, auth.login_rate_limited, auth.logout
  std::optional<std::string> username, user_id;
  std::string client_ip, status = "ok", request_id;
};
// Best effort: a row that cannot be written is logged with its action.
void record_auth_event(pqxx::connection& conn, const AuthEvent& event);

}  // namespace labctl::auth
