#pragma once
// The session cookies of api.md §1.3: reading one from a Cookie header, and the Set-Cookie
// lines that set or clear both (sid: HttpOnly; csrf_token: readable by scripts; Lax; Secure in
// production; 14 days).
#include <optional>
#include <string>
#include <vector>

namespace labctl::http {

// The value of cookie `name` in a Cookie header; none when absent.
std::optional<std::string> cookie_value(const std::string& header, const std::string& name);

struct CookieNames {
  std::string session, csrf;
  bool secure = false;  // production
};

std::vector<std::string> set_session_cookies(const CookieNames& names, const std::string& session_id,
                                             const std::string& csrf_token);
std::vector<std::string> clear_session_cookies(const CookieNames& names);

// The client address rate limits count (TRUST_PROXY, api.md §1.1): `trust` empty or "false" =
// the peer; "true" = the first X-Forwarded-For entry; a number N = the entry N hops back from the
// peer; anything else, a comma-separated list of proxy addresses = the last entry not among them.
std::string client_address(const std::string& peer, const std::string& forwarded_for, const std::string& trust);

}  // namespace labctl::http
