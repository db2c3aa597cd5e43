// The scheduler's backoff, catalogue and timeouts (scheduler-and-intelligence.md §1.1, §1.4–§1.6; §10 scenario 6).
#include <doctest/doctest.h>

#include <map>

#include "labctl/core/config.hpp"
#include "labctl/core/deadline.hpp"
#include "labctl/core/error.hpp"
#include "labctl/domains/jobs/job_backoff.hpp"
#include "labctl/domains/jobs/job_catalogue.hpp"

using namespace labctl::jobs;

TEST_CASE("backoff: 30, 60, 120 … doubling from the base, capped at 3600, the same from the 10th failure on") {
  const BackoffPolicy policy;
  const long long nominal[] = {30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600};
  for (int f = 1; f <= 11; ++f) CHECK(backoff_seconds(policy, f, std::nullopt, 1.0) == nominal[f - 1]);
  CHECK(backoff_seconds(policy, 0, std::nullopt, 1.0) == 30);  // clamped to the first
  CHECK(backoff_seconds(policy, 1, std::nullopt, 0.85) == 26);  // 25.5 → 26
  CHECK(backoff_seconds(policy, 1, std::nullopt, 1.1499) == 34);
  CHECK(backoff_seconds({.base_seconds = 600, .cap_seconds = 86400}, 10, std::nullopt, 1.0) == 86400);
}

TEST_CASE("scenario 6: a server-requested delay is taken exactly (rounded up to seconds), capped, never jittered") {
  const BackoffPolicy policy;
  CHECK(backoff_seconds(policy, 3, 120000, 1.14) == 120);
  CHECK(backoff_seconds(policy, 3, 120001, 0.9) == 121);
  CHECK(backoff_seconds(policy, 1, 7'200'000, 1.0) == 3600);
  CHECK(backoff_seconds(policy, 1, 0, 1.0) == 0);
}

TEST_CASE("jitter stays in [0.85, 1.15)") {
  for (int i = 0; i < 10000; ++i) {
    double j = draw_jitter();
    REQUIRE(j >= 0.85);
    REQUIRE(j < 1.15);
  }
}

TEST_CASE("the catalogue: 18 types, 15 default rows with the chapter's cadences, acyclic cascades") {
  CHECK(job_catalogue().size() == 18);
  int defaults = 0;
  for (const auto& t : job_catalogue()) defaults += t.default_row;
  CHECK(defaults == 15);
  CHECK(find_job_type("connectors_sync_cycle")->cadence_seconds == 900);
  CHECK(find_job_type("weekly_digest")->cadence_seconds == 604800);
  CHECK(find_job_type("connector_errors_retry")->cadence_seconds == 300);
  CHECK_FALSE(find_job_type("chatwoot_sync")->default_row);
  CHECK(find_job_type("kag_daily_pipeline") == nullptr);  // a removed legacy type
  CHECK(cascade_targets("connectors_sync_cycle") == std::vector<std::string>{"signals_extraction", "embeddings_run"});
  CHECK(cascade_targets("signals_extraction") == std::vector<std::string>{"health_scoring"});
  CHECK(cascade_targets("health_scoring") == std::vector<std::string>{"analytics_aggregates"});
  CHECK(cascade_targets("analytics_aggregates").empty());
}

TEST_CASE("timeouts: JOB_TIMEOUT_<TYPE>_MS overrides JOB_TIMEOUT_MS for its type, capped at 30 min; garbage is refused") {
  auto config = [](std::map<std::string, std::string> env) { return labctl::Config::load_from(env, std::nullopt, {}); };
  using std::chrono::milliseconds;
  CHECK(job_timeout(config({}), "chatwoot_sync") == milliseconds(600000));
  auto c = config({{"JOB_TIMEOUT_MS", "120000"}, {"JOB_TIMEOUT_CHATWOOT_SYNC_MS", "1000"}});
  CHECK(job_timeout(c, "chatwoot_sync") == milliseconds(1000));
  CHECK(job_timeout(c, "linear_sync") == milliseconds(120000));
  CHECK(longest_job_timeout(c) == milliseconds(120000));
  auto capped = config({{"JOB_TIMEOUT_DAILY_DIGEST_MS", "99999999999"}});
  CHECK(job_timeout(capped, "daily_digest") == milliseconds(1800000));
  CHECK(longest_job_timeout(capped) == milliseconds(1800000));
  for (const std::string bad : {"0", "-5", "soon", "10s", "99999999999999999999"}) {
    INFO(bad);
    CHECK_THROWS_WITH_AS(job_timeout(config({{"JOB_TIMEOUT_EMBEDDINGS_RUN_MS", bad}}), "embeddings_run"),
                         "JOB_TIMEOUT_EMBEDDINGS_RUN_MS is not a positive integer of milliseconds", labctl::Error);
  }
}

TEST_CASE("a deadline: time left never negative, check() throws the one timeout error once passed") {
  using namespace std::chrono_literals;
  const labctl::Deadline later(60s);
  CHECK_FALSE(later.passed());
  CHECK(later.left() > 59s);
  CHECK_NOTHROW(later.check());
  const labctl::Deadline past(250ms, labctl::Deadline::Clock::now() - 1s);
  CHECK(past.passed());
  CHECK(past.left() == 0ms);
  CHECK_THROWS_WITH_AS(past.check(), "job timed out after 250ms", labctl::Error);
  CHECK(past.error().code() == "job_timeout");
}
