#include "labctl/domains/jobs/job_backoff.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace labctl::jobs {

long long backoff_seconds(const BackoffPolicy& policy, int failures, std::optional<long long> retry_after_ms,
                          double jitter) {
  const long long cap = policy.cap_seconds;
  if (retry_after_ms && *retry_after_ms >= 0) return std::min((*retry_after_ms + 999) / 1000, cap);
  const int a = std::clamp(failures, 1, 10);
  const double nominal = policy.base_seconds * std::ldexp(1.0, a - 1) * jitter;
  return std::min(cap, static_cast<long long>(std::llround(nominal)));
}

double draw_jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.85, 1.15)(rng);
}

}  // namespace labctl::jobs
