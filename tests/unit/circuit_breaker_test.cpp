#include <doctest/doctest.h>

#include <chrono>

#include "labctl/core/error.hpp"
#include "labctl/net/circuit_breaker.hpp"

using namespace labctl;
using namespace labctl::net;
using namespace std::chrono_literals;

namespace {

// A registry whose clock only moves when the test says so.
struct Fixture {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  CircuitBreakerRegistry breakers{{}, [this] { return now; }};

  void fail(const std::string& host, int times) {
    for (int i = 0; i < times; ++i) {
      breakers.acquire(host);
      breakers.record_failure(host);
    }
  }
  bool admitted(const std::string& host) {
    try {
      breakers.acquire(host);
      return true;
    } catch (const Error& e) {
      CHECK(e.code() == "circuit_open");
      CHECK(e.error_class() == ErrorClass::upstream_failed);
      CHECK(std::string(e.what()).starts_with("circuit open for " + host + ": "));
      return false;
    }
  }
};

}  // namespace

TEST_CASE("circuit_breaker: opens after 5 consecutive failures and then fails fast") {
  Fixture f;
  CHECK(f.admitted("api.test"));  // an unknown host is closed
  f.fail("api.test", 4);
  CHECK(f.breakers.state("api.test") == CircuitState::closed);
  CHECK(f.admitted("api.test"));
  CHECK(f.breakers.record_failure("api.test"));  // the 5th: now open
  CHECK(f.breakers.state("api.test") == CircuitState::open);
  CHECK_FALSE(f.admitted("api.test"));
  f.now += 29999ms;
  CHECK_FALSE(f.admitted("api.test"));

  try {
    f.breakers.acquire("api.test");
    FAIL("acquire should have thrown");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "circuit open for api.test: 5 consecutive failures, next probe in 1 ms");
    CHECK(e.details()["state"] == "open");
    CHECK(e.details()["retry_in_ms"] == 1);
  }
  CHECK(f.admitted("other.test"));  // hosts are independent
}

TEST_CASE("circuit_breaker: after the cool-down exactly one probe goes through; success closes") {
  Fixture f;
  f.fail("api.test", 5);
  f.now += 30s;
  CHECK(f.admitted("api.test"));  // the probe
  CHECK(f.breakers.state("api.test") == CircuitState::half_open);
  CHECK_FALSE(f.admitted("api.test"));  // everyone else waits for it
  f.now += 1h;
  CHECK_FALSE(f.admitted("api.test"));

  f.breakers.record_success("api.test");
  CHECK(f.breakers.state("api.test") == CircuitState::closed);
  CHECK(f.admitted("api.test"));
  CHECK(f.admitted("api.test"));
  // The count starts again from zero: 4 more failures leave it closed.
  f.fail("api.test", 4);
  CHECK(f.breakers.state("api.test") == CircuitState::closed);
}

TEST_CASE("circuit_breaker: a failed probe reopens for another full cool-down") {
  Fixture f;
  f.fail("api.test", 5);
  f.now += 31s;
  CHECK(f.admitted("api.test"));
  CHECK(f.breakers.record_failure("api.test"));
  CHECK(f.breakers.state("api.test") == CircuitState::open);
  CHECK_FALSE(f.admitted("api.test"));
  f.now += 29s;
  CHECK_FALSE(f.admitted("api.test"));
  f.now += 1s;
  CHECK(f.admitted("api.test"));
  f.breakers.record_success("api.test");
  CHECK(f.breakers.state("api.test") == CircuitState::closed);
}

TEST_CASE("circuit_breaker: a success resets the consecutive count") {
  Fixture f;
  f.fail("api.test", 4);
  f.breakers.record_success("api.test");
  f.fail("api.test", 4);
  CHECK(f.breakers.state("api.test") == CircuitState::closed);
  CHECK(f.admitted("api.test"));
  f.fail("api.test", 1);
  CHECK(f.breakers.state("api.test") == CircuitState::open);
}

TEST_CASE("circuit_breaker: threshold and cool-down are configurable") {
  Fixture f;
  f.breakers.configure({.failure_threshold = 2, .cool_down = 1s});
  f.fail("api.test", 1);
  CHECK(f.breakers.state("api.test") == CircuitState::closed);
  f.fail("api.test", 1);
  CHECK(f.breakers.state("api.test") == CircuitState::open);
  f.now += 999ms;
  CHECK_FALSE(f.admitted("api.test"));
  f.now += 1ms;
  CHECK(f.admitted("api.test"));
}

TEST_CASE("circuit_breaker: snapshot lists each host's state; reset forgets them") {
  Fixture f;
  f.fail("b.test", 5);
  f.fail("a.test", 2);
  f.breakers.record_success("c.test:8443");
  f.fail("d.test", 5);
  f.now += 30s;
  CHECK(f.admitted("d.test"));

  auto snap = f.breakers.snapshot();
  REQUIRE(snap.size() == 4);
  CHECK(snap[0].host == "a.test");
  CHECK(snap[0].state == CircuitState::closed);
  CHECK(snap[0].consecutive_failures == 2);
  CHECK(snap[1].host == "b.test");
  CHECK(to_string(snap[1].state) == "open");
  CHECK(snap[1].consecutive_failures == 5);
  CHECK(snap[2].host == "c.test:8443");
  CHECK(snap[2].consecutive_failures == 0);
  CHECK(snap[3].host == "d.test");
  CHECK(to_string(snap[3].state) == "half_open");

  f.breakers.reset();
  CHECK(f.breakers.snapshot().empty());
  CHECK(f.admitted("b.test"));
}
