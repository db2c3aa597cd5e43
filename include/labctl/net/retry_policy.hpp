#pragma once
// When and how long the HTTP client waits before trying again. Pure functions only, so the
// arithmetic is unit-tested without a network or a clock (spec/connectors.md §9, but with
// capped exponential backoff and jitter instead of the reference's linear waits).
#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

#include "labctl/core/deadline.hpp"

namespace labctl::net {

struct RetryPolicy {
  int max_attempts = 3;                                // 1 + retries
  std::chrono::milliseconds timeout{20000};            // whole attempt
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds backoff_base{500};         // wait before retry n (n = 0,1,…): min(cap, base·2^n) with ± jitter
  std::chrono::milliseconds backoff_cap{30000};
  std::chrono::milliseconds retry_after_cap{120000};   // Retry-After is clamped to [1 s, cap]
  double jitter = 0.2;                                 // ± this fraction, uniformly random
  size_t max_body_bytes = size_t(64) << 20;            // a longer response is refused, not buffered
  std::optional<Deadline> deadline;                    // a job's: attempts and waits end there (job_timeout)
};

// 408, 425, 429 and every 5xx are worth another attempt; other statuses are final.
bool is_retryable_status(long status);

// The wait before retry `retry` (0 = before the second attempt): min(cap, base·2^retry),
// scaled by 1 + jitter·(2·unit − 1), then clamped to [0, cap] so the cap is a true maximum.
// `unit` is a uniform random draw in [0, 1]; the caller supplies it so this stays pure.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit);

// A Retry-After value — delta-seconds ("120") or an HTTP-date, measured from `now` — as a wait
// clamped to [1 s, cap]. Anything else (empty, negative, fractional, garbage) → nullopt, and
// the caller falls back to the normal backoff.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now,
                                                           std::chrono::milliseconds cap);

}  // namespace labctl::net
