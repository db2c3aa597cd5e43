#pragma once
// The libcurl client every connector uses (spec/connectors.md §9, `fetchWithRetry`): retries
// with capped exponential backoff and jitter, honours 429 Retry-After, and goes through the
// per-host circuit breaker. Errors and logs never show request headers, bodies, the URL's
// query string or its user:password — tokens travel there.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "labctl/net/retry_policy.hpp"

namespace labctl::net {

class CircuitBreakerRegistry;

struct Request {
  std::string method = "GET";  // GET and POST, or any other verb (sent as a custom request)
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct Response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased; repeated headers joined by ", "
  int attempts = 0;
};

using Sleeper = std::function<void(std::chrono::milliseconds)>;  // injectable so tests are fast

// One client owns one curl handle and reuses its connections (keep-alive) across requests.
// Not thread-safe: use one HttpClient per thread, or one thread at a time.
class HttpClient {
 public:
  // Breaker state goes to `breakers`, which must outlive the client. An empty sleeper really sleeps.
  explicit HttpClient(CircuitBreakerRegistry& breakers, RetryPolicy policy = {}, Sleeper sleeper = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // Sends with retries: 408, 425, 429, 5xx, network errors and timeouts are retried up to
  // policy.max_attempts. Returns the final response — a retryable status is returned too once
  // the attempts run out (or the host's circuit opens), so the caller can report it.
  // Throws Error(upstream_failed): "upstream_unreachable" when the last attempt failed on the
  // network, "circuit_open" when the host's breaker refuses the call before any request,
  // "upstream_too_large" when the body passes policy.max_body_bytes;
  // Error(config, "invalid_url") for a URL curl cannot parse.
  Response send(const Request& request);

  const RetryPolicy& policy() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes everything but RFC 3986's unreserved characters, for a query value.
std::string query_escape(std::string_view value);

}  // namespace labctl::net
