#include "labctl/core/rate_limiter.hpp"

#include <doctest/doctest.h>

using namespace labctl;
using namespace std::chrono_literals;

TEST_CASE("rate limiter: a fixed window counts every request, refused ones too, and reopens") {
  RateLimiter limiter(60s);
  auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  for (int i = 1; i <= 3; ++i) {
    auto hit = limiter.hit("ip", 3, t0 + std::chrono::seconds(i));
    CHECK(hit.allowed);
    CHECK(hit.remaining == 3 - i);
  }
  auto refused = limiter.hit("ip", 3, t0 + 10s);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.remaining == 0);
  CHECK(refused.retry_after_seconds == 51);  // the window opened at t0+1s
  CHECK_FALSE(limiter.hit("ip", 3, t0 + 60s).allowed);
  CHECK(limiter.hit("other", 3, t0 + 60s).allowed);  // keys are counted apart
  auto reopened = limiter.hit("ip", 3, t0 + 61s);
  CHECK(reopened.allowed);
  CHECK(reopened.remaining == 2);
}

TEST_CASE("rate limiter: at capacity the oldest window goes, expired ones first") {
  RateLimiter limiter(60s, 3);
  auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  limiter.hit("a", 1, t0);
  limiter.hit("a", 1, t0);  // a is now refused
  limiter.hit("b", 1, t0 + 1s);
  limiter.hit("c", 1, t0 + 2s);
  CHECK(limiter.keys() == 3);
  CHECK(limiter.hit("d", 1, t0 + 3s).allowed);  // evicts a, the oldest
  CHECK(limiter.keys() == 3);
  CHECK(limiter.hit("a", 1, t0 + 4s).allowed);  // a starts over
  CHECK(limiter.hit("e", 1, t0 + 70s).allowed); // b, c, d and a have expired
  CHECK(limiter.keys() == 1);
  for (int i = 0; i < 100000; ++i) limiter.hit("flood-" + std::to_string(i), 1, t0 + 80s);
  CHECK(limiter.keys() == 3);
}
