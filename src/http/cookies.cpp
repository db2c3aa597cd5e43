#include "labctl/http/cookies.hpp"

#include <algorithm>
#include <charconv>

#include "labctl/core/utf8.hpp"

namespace labctl::http {
namespace {

constexpr const char* kMaxAge = "1209600";  // 14 days

std::vector<std::string> comma_list(const std::string& s) {
  std::vector<std::string> out;
  for (const auto& item : comma_items(s))
    if (auto trimmed = trim_text(item); !trimmed.empty()) out.push_back(trimmed);
  return out;
}

std::string cookie(const std::string& name, const std::string& value, bool http_only, bool secure, bool clear) {
  std::string line = name + "=" + value + "; Path=/; SameSite=Lax";
  line += clear ? "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT" : std::string("; Max-Age=") + kMaxAge;
  if (http_only) line += "; HttpOnly";
  if (secure) line += "; Secure";
  return line;
}

std::string proxied_address(const std::string& peer, const std::string& forwarded_for, const std::string& trust) {
  const std::string mode = to_lower(trim_text(trust));
  if (mode.empty() || mode == "false" || mode == "0") return peer;
  auto hops = comma_list(forwarded_for);
  if (hops.empty()) return peer;
  if (mode == "true") return hops.front();
  size_t n = 0;
  auto [end, ec] = std::from_chars(mode.data(), mode.data() + mode.size(), n);
  if (ec == std::errc() && end == mode.data() + mode.size()) {
    // The peer is the nearest proxy; each trusted hop before it appended the address it saw.
    if (n == 0) return peer;
    return n >= hops.size() ? hops.front() : hops[hops.size() - n];
  }
  auto proxies = comma_list(mode);
  hops.push_back(peer);
  for (auto it = hops.rbegin(); it != hops.rend(); ++it)
    if (std::find(proxies.begin(), proxies.end(), to_lower(*it)) == proxies.end()) return *it;
  return hops.front();
}

}  // namespace

std::optional<std::string> cookie_value(const std::string& header, const std::string& name) {
  for (size_t start = 0; start < header.size();) {
    size_t end = std::min(header.find(';', start), header.size());
    std::string pair = trim_text(header.substr(start, end - start));
    auto eq = pair.find('=');
    if (eq != std::string::npos && trim_text(pair.substr(0, eq)) == name) {
      std::string value = trim_text(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::vector<std::string> set_session_cookies(const CookieNames& names, const std::string& session_id,
                                             const std::string& csrf_token) {
  return {cookie(names.session, session_id, true, names.secure, false),
          cookie(names.csrf, csrf_token, false, names.secure, false)};
}

std::vector<std::string> clear_session_cookies(const CookieNames& names) {
  return {cookie(names.session, "", true, names.secure, true), cookie(names.csrf, "", false, names.secure, true)};
}

std::string client_address(const std::string& peer, const std::string& forwarded_for, const std::string& trust) {
  return proxied_address(peer, forwarded_for, trust).substr(0, 64);  // a limiter's key: never a 30 KB "address"
}

}  // namespace labctl::http
