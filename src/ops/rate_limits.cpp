#include "labctl/ops/rate_limits.hpp"

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/ops/context.hpp"
#include "labctl/ops/operation.hpp"

namespace labctl::ops {
namespace {

// A refused request: 429 with its wire code, and when to come back.
void enforce(const RateLimiter::Hit& hit, Context& ctx, const char* code) {
  if (hit.allowed) return;
  ctx.response_headers.emplace_back("Retry-After", std::to_string(hit.retry_after_seconds));
  throw Error(ErrorClass::rate_limited, code, "Too many requests; retry in " + std::to_string(hit.retry_after_seconds) + " s");
}

}  // namespace

RateLimits::RateLimits(const Config& config)
    : per_ip(config.get_int("server.rate_limit_ip")),
      per_ip_auth(config.get_int("server.rate_limit_auth")),
      per_caller(config.get_int("server.rate_limit_caller")),
      per_ip_path(config.get_int("server.rate_limit_expensive")) {}

void limit_client(const Operation& op, const HttpRoute* route, Context& ctx) {
  if (!ctx.limits || !ctx.credentials) return;
  RateLimits& l = *ctx.limits;
  const std::string& ip = ctx.credentials->client_ip;
  if (route && route->limit == RouteLimit::auth) enforce(l.ip_auth.hit(ip, l.per_ip_auth), ctx, "rate_limited");
  if (!op.is_public) enforce(l.ip.hit(ip, l.per_ip), ctx, "rate_limited");
}

void limit_caller(Context& ctx) {
  if (!ctx.limits) return;
  const Caller& c = ctx.caller;
  std::string key = c.key ? "key:" + c.key->id : c.session ? "session:" + c.session->session_id : "";
  if (!key.empty()) enforce(ctx.limits->caller.hit(key, ctx.limits->per_caller), ctx, "rate_limited");
}

void limit_expensive(const HttpRoute* route, Context& ctx) {
  if (!ctx.limits || !ctx.credentials || !route || route->limit != RouteLimit::expensive) return;
  RateLimits& l = *ctx.limits;
  auto hit = l.ip_path.hit(ctx.credentials->client_ip + " " + route->method + " " + route->path, l.per_ip_path);
  ctx.response_headers.emplace_back("X-RateLimit-Limit", std::to_string(hit.limit));
  ctx.response_headers.emplace_back("X-RateLimit-Remaining", std::to_string(hit.remaining));
  enforce(hit, ctx, "rate_limit_exceeded");
}

}  // namespace labctl::ops
