#pragma once
// One circuit breaker per upstream host, so a dead service costs one fast error per call
// instead of every call waiting out its timeouts and retries (spec/connectors.md §9).
//
//   closed ──(threshold consecutive failures)──▶ open ──(cool-down elapsed)──▶ half_open
//      ▲                                           ▲                            │ one probe
//      └──────────────── probe succeeds ───────────┼──────── probe fails ───────┘
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace labctl::net {

enum class CircuitState { closed, open, half_open };
std::string_view to_string(CircuitState state);

struct CircuitBreakerOptions {
  int failure_threshold = 5;
  std::chrono::milliseconds cool_down{30000};
};

// One host's breaker as /metrics shows it.
struct CircuitSnapshot {
  std::string host;
  CircuitState state = CircuitState::closed;
  int consecutive_failures = 0;
};

// A set of breakers, keyed by host (host:port when the URL names a port): a connector run keeps
// one for its run, `serve` one for the embedding providers of its lifetime. Thread-safe: every
// member takes the one mutex.
class CircuitBreakerRegistry {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // An empty clock means std::chrono::steady_clock::now; tests inject their own.
  explicit CircuitBreakerRegistry(CircuitBreakerOptions options = {}, Clock clock = {});

  // Call before each network attempt. Throws Error(upstream_failed, "circuit_open") while the
  // host's circuit is open, or half-open with its one probe already admitted; once the
  // cool-down has elapsed, admits exactly one probe.
  void acquire(const std::string& host);
  // Report each admitted attempt: a success or a non-retryable status…
  void record_success(const std::string& host);
  // …or a retryable status or network failure. Returns true if the circuit is now open.
  bool record_failure(const std::string& host);

  CircuitState state(const std::string& host) const;
  std::vector<CircuitSnapshot> snapshot() const;  // sorted by host

  void configure(CircuitBreakerOptions options);
  void reset();  // forget every host (tests)

 private:
  struct Breaker {
    CircuitState state = CircuitState::closed;
    int consecutive_failures = 0;
    std::chrono::steady_clock::time_point opened_at{};
  };

  mutable std::mutex mu_;
  CircuitBreakerOptions options_;
  Clock clock_;
  std::map<std::string, Breaker> breakers_;
};

}  // namespace labctl::net
