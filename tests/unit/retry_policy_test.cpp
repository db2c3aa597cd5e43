#include <doctest/doctest.h>

#include <chrono>

#include "labctl/net/retry_policy.hpp"

using namespace labctl::net;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST_CASE("retry_policy: retryable statuses are 408, 425, 429 and 5xx") {
  for (long s : {408L, 425L, 429L, 500L, 502L, 503L, 504L, 599L}) {
    CAPTURE(s);
    CHECK(is_retryable_status(s));
  }
  for (long s : {200L, 201L, 204L, 301L, 304L, 400L, 401L, 403L, 404L, 409L, 422L, 499L}) {
    CAPTURE(s);
    CHECK_FALSE(is_retryable_status(s));
  }
}

TEST_CASE("retry_policy: without jitter the backoff doubles from the base up to the cap") {
  RetryPolicy p;
  p.jitter = 0;
  CHECK(backoff_delay(p, 0, 0.5) == 500ms);
  CHECK(backoff_delay(p, 1, 0.5) == 1000ms);
  CHECK(backoff_delay(p, 2, 0.5) == 2000ms);
  CHECK(backoff_delay(p, 3, 0.5) == 4000ms);
  CHECK(backoff_delay(p, 5, 0.5) == 16000ms);
  CHECK(backoff_delay(p, 6, 0.5) == 30000ms);  // 32 s, capped
  CHECK(backoff_delay(p, 7, 0.9) == 30000ms);
  CHECK(backoff_delay(p, 5000, 0.0) == 30000ms);  // no overflow on absurd retry counts

  p.backoff_base = 100ms;
  p.backoff_cap = 250ms;
  CHECK(backoff_delay(p, 0, 0.5) == 100ms);
  CHECK(backoff_delay(p, 1, 0.5) == 200ms);
  CHECK(backoff_delay(p, 2, 0.5) == 250ms);
}

TEST_CASE("retry_policy: jitter spreads the wait by ± the fraction and never past the cap") {
  RetryPolicy p;  // jitter 0.2
  CHECK(backoff_delay(p, 0, 0.0) == 400ms);
  CHECK(backoff_delay(p, 0, 0.5) == 500ms);
  CHECK(backoff_delay(p, 0, 1.0) == 600ms);
  CHECK(backoff_delay(p, 2, 0.0) == 1600ms);
  CHECK(backoff_delay(p, 2, 1.0) == 2400ms);
  CHECK(backoff_delay(p, 0, -3.0) == 400ms);  // out-of-range draws are clamped, not trusted
  CHECK(backoff_delay(p, 0, 7.0) == 600ms);

  for (int retry = 0; retry < 10; ++retry) {
    double nominal = std::min(30000.0, 500.0 * (1 << retry));
    for (int i = 0; i <= 100; ++i) {
      auto wait = backoff_delay(p, retry, i / 100.0).count();
      CAPTURE(retry);
      CAPTURE(i);
      CHECK(wait >= static_cast<long long>(nominal * 0.8));
      CHECK(wait <= static_cast<long long>(std::min(30000.0, nominal * 1.2)));
    }
  }
  // At the cap the spread only goes down: the cap is a maximum.
  CHECK(backoff_delay(p, 8, 0.0) == 24000ms);
  CHECK(backoff_delay(p, 8, 1.0) == 30000ms);
}

TEST_CASE("retry_policy: Retry-After in delta-seconds is clamped to [1 s, cap]") {
  auto now = std::chrono::system_clock::now();
  CHECK(parse_retry_after("1", now, 120s) == milliseconds(1000));
  CHECK(parse_retry_after("  7 ", now, 120s) == milliseconds(7000));
  CHECK(parse_retry_after("0", now, 120s) == milliseconds(1000));
  CHECK(parse_retry_after("120", now, 120s) == milliseconds(120000));
  CHECK(parse_retry_after("999", now, 120s) == milliseconds(120000));
  CHECK(parse_retry_after("999", now, 5s) == milliseconds(5000));  // the cap is injectable
  CHECK(parse_retry_after("99999999999999999999999", now, 120s) == milliseconds(120000));
}

TEST_CASE("retry_policy: Retry-After as an HTTP-date is measured from now") {
  // Wed, 21 Oct 2015 07:28:00 GMT
  auto date = std::chrono::system_clock::from_time_t(1445412480);
  const char* imf = "Wed, 21 Oct 2015 07:28:00 GMT";
  CHECK(parse_retry_after(imf, date - 10s, 120s) == milliseconds(10000));
  CHECK(parse_retry_after(imf, date - 2500ms, 120s) == milliseconds(2500));
  CHECK(parse_retry_after(imf, date - 1h, 120s) == milliseconds(120000));  // far future → cap
  CHECK(parse_retry_after(imf, date, 120s) == milliseconds(1000));         // now → floor
  CHECK(parse_retry_after(imf, date + 1h, 120s) == milliseconds(1000));    // past → floor
  // The obsolete forms HTTP recipients must still accept.
  CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", date - 30s, 120s) == milliseconds(30000));
  CHECK(parse_retry_after("Wed Oct 21 07:28:00 2015", date - 30s, 120s) == milliseconds(30000));
}

TEST_CASE("retry_policy: an unusable Retry-After is treated as absent") {
  auto now = std::chrono::system_clock::now();
  for (const char* v : {"", "   ", "garbage", "soon", "-5", "1.5", "+3", "12 apples", "0x10", "Wed, 99 Foo"}) {
    CAPTURE(v);
    CHECK_FALSE(parse_retry_after(v, now, 120s).has_value());
  }
}
