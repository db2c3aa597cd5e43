#include "labctl/net/retry_policy.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace labctl::net {

using std::chrono::milliseconds;

bool is_retryable_status(long status) {
  return status == 408 || status == 425 || status == 429 || status >= 500;
}

milliseconds backoff_delay(const RetryPolicy& policy, int retry, double unit) {
  // Doubles, so base·2^retry cannot overflow for any retry count (it saturates at the cap).
  double cap = static_cast<double>(policy.backoff_cap.count());
  double exponential = std::min(cap, static_cast<double>(policy.backoff_base.count()) *
                                         std::ldexp(1.0, std::max(0, retry)));
  double factor = 1.0 + policy.jitter * (2.0 * std::clamp(unit, 0.0, 1.0) - 1.0);
  return milliseconds(std::llround(std::clamp(exponential * factor, 0.0, cap)));
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now,
                                              milliseconds cap) {
  auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;

  milliseconds wait;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // delta-seconds; anything past a day is way over any cap, so saturate instead of overflowing.
    long long seconds = 0;
    for (char c : value) seconds = std::min(seconds * 10 + (c - '0'), 86400LL);
    wait = std::chrono::seconds(seconds);
  } else {
    // curl_getdate accepts all three HTTP-date forms of RFC 9110 §5.6.7 and rejects garbage.
    time_t when = curl_getdate(std::string(value).c_str(), nullptr);
    if (when == -1) return std::nullopt;
    wait = std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::from_time_t(when) - now);
  }
  return std::clamp(wait, milliseconds(1000), std::max(cap, milliseconds(1000)));
}

}  // namespace labctl::net
