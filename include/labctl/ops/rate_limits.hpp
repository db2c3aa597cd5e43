#pragma once
// The request limits of spec/api.md §1.7, per `serve` process (the login brute-force limit,
// which must hold across processes, lives in PostgreSQL: domains/auth/login_throttle). What a
// route adds is declared on it (HttpRoute::limit); the dispatch path applies them in the
// order of §1.7. The CLI has none.
#include <string>
#include <utility>
#include <vector>

#include "labctl/core/rate_limiter.hpp"

namespace labctl {
class Config;
}

namespace labctl::ops {

class Context;
struct HttpRoute;
struct Operation;

struct RateLimits {
  explicit RateLimits(const Config& config);

  long long per_ip, per_ip_auth, per_caller, per_ip_path;  // requests per 60 s
  RateLimiter ip, ip_auth, caller, ip_path;
};

// Before credentials are looked at: the client IP's limit on every non-public route (and
// unknown paths), and its /auth/* limit.
void limit_client(const Operation& op, const HttpRoute* route, Context& ctx);
// Once the caller is known: its session's or key's limit.
void limit_caller(Context& ctx);
// An expensive route's limit per client IP and route, with its X-RateLimit-* headers.
void limit_expensive(const HttpRoute* route, Context& ctx);

}  // namespace labctl::ops
