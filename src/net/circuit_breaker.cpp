#include "labctl/net/circuit_breaker.hpp"

#include <spdlog/spdlog.h>

#include "labctl/core/error.hpp"

namespace labctl::net {

using std::chrono::milliseconds;

std::string_view to_string(CircuitState state) {
  switch (state) {
    case CircuitState::closed: return "closed";
    case CircuitState::open: return "open";
    case CircuitState::half_open: return "half_open";
  }
  return "closed";
}

CircuitBreakerRegistry::CircuitBreakerRegistry(CircuitBreakerOptions options, Clock clock)
    : options_(options), clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })) {}


void CircuitBreakerRegistry::acquire(const std::string& host) {
  std::lock_guard lock(mu_);
  auto it = breakers_.find(host);
  if (it == breakers_.end() || it->second.state == CircuitState::closed) return;
  Breaker& b = it->second;
  auto now = clock_();
  if (b.state == CircuitState::open && now - b.opened_at >= options_.cool_down) {
    // The state itself marks the probe as taken: every other caller is refused until it reports.
    b.state = CircuitState::half_open;
    spdlog::debug("circuit for {} half-open: letting one probe through", host);
    return;
  }
  std::string why = "a probe request is in flight";
  long long retry_in_ms = 0;
  if (b.state == CircuitState::open) {
    retry_in_ms = std::chrono::duration_cast<milliseconds>(options_.cool_down - (now - b.opened_at)).count();
    why = std::to_string(b.consecutive_failures) + " consecutive failures, next probe in " +
          std::to_string(retry_in_ms) + " ms";
  }
  throw Error(ErrorClass::upstream_failed, "circuit_open", "circuit open for " + host + ": " + why,
              {{"host", host},
               {"state", to_string(b.state)},
               {"consecutive_failures", b.consecutive_failures},
               {"retry_in_ms", retry_in_ms}});
}

void CircuitBreakerRegistry::record_success(const std::string& host) {
  std::lock_guard lock(mu_);
  Breaker& b = breakers_[host];  // kept even when healthy, so /metrics lists every host in use
  if (b.state != CircuitState::closed) spdlog::info("circuit for {} closed", host);
  b = Breaker{};
}

bool CircuitBreakerRegistry::record_failure(const std::string& host) {
  std::lock_guard lock(mu_);
  Breaker& b = breakers_[host];
  ++b.consecutive_failures;
  bool trips = b.state == CircuitState::half_open ||
               (b.state == CircuitState::closed && b.consecutive_failures >= options_.failure_threshold);
  if (trips) {
    b.state = CircuitState::open;
    b.opened_at = clock_();
    spdlog::warn("circuit for {} open after {} consecutive failures", host, b.consecutive_failures);
  }
  return b.state == CircuitState::open;
}

CircuitState CircuitBreakerRegistry::state(const std::string& host) const {
  std::lock_guard lock(mu_);
  auto it = breakers_.find(host);
  return it == breakers_.end() ? CircuitState::closed : it->second.state;
}

std::vector<CircuitSnapshot> CircuitBreakerRegistry::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<CircuitSnapshot> out;
  for (const auto& [host, b] : breakers_) out.push_back({host, b.state, b.consecutive_failures});
  return out;
}

void CircuitBreakerRegistry::configure(CircuitBreakerOptions options) {
  std::lock_guard lock(mu_);
  options_ = options;
}

void CircuitBreakerRegistry::reset() {
  std::lock_guard lock(mu_);
  breakers_.clear();
}

}  // namespace labctl::net
