#pragma once
// When a failed job runs again (scheduler-and-intelligence.md §1.5), pure: the delay the server
// asked for (Retry-After), else exponential from BASE with ±15 % jitter, capped.
#include <optional>

namespace labctl::jobs {

struct BackoffPolicy {
  int base_seconds = 30;   // JOB_RETRY_BACKOFF_BASE_SECONDS, 5..600
  int cap_seconds = 3600;  // JOB_RETRY_BACKOFF_CAP_SECONDS, 60..86400
};

// Seconds until the retry after the `failures`-th consecutive failure. retry_after_ms: the
// server's requested delay → min(ceil(ms / 1000), cap), no jitter. Else with a = clamp(failures,
// 1, 10): min(cap, round(base × 2^(a−1) × jitter)); jitter is drawn from [0.85, 1.15).
long long backoff_seconds(const BackoffPolicy& policy, int failures, std::optional<long long> retry_after_ms,
                          double jitter);

// A jitter factor drawn uniformly from [0.85, 1.15).
double draw_jitter();

}  // namespace labctl::jobs
