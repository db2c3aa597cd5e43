// The health and risk formulas (scheduler-and-intelligence.md §2.1, §10 scenarios 13–14).
#include <doctest/doctest.h>

#include "labctl/domains/intelligence/risk_model.hpp"

using namespace labctl::intelligence;

TEST_CASE("the chapter's worked example: health 89.31, severity 1, probability 0.1069") {
  auto f = risk_figures({{4, 0.82}, {3, 0.74}, {2, 0.70}}, 5, 2);
  CHECK(round2(f.signal_pressure) == 0.69);
  CHECK(f.overdue_pressure == 10);
  CHECK(f.failed_job_pressure == 6);  // reported, not scored
  CHECK(round2(f.total) == 10.69);
  CHECK(round2(f.health) == 89.31);
  CHECK(f.severity == 1);
  CHECK(f.probability == doctest::Approx(0.1069));
  CHECK(f.pattern_weight == doctest::Approx(0.1069));
}

TEST_CASE("heavy signals: the signal pressure caps at 40, overdue at 30; health 30.64, severity 3") {
  std::vector<WeightedSignal> heavy(120, {4, 0.82});
  auto f = risk_figures(heavy, 20, 0);
  CHECK(round2(f.signal_pressure) == 39.36);
  CHECK(f.overdue_pressure == 30);
  CHECK(round2(f.health) == 30.64);
  CHECK(f.severity == 3);
  std::vector<WeightedSignal> more(200, {5, 1.0});
  auto capped = risk_figures(more, 100, 100);
  CHECK(capped.signal_pressure == 40);
  CHECK(capped.overdue_pressure == 30);
  CHECK(capped.failed_job_pressure == 20);
  CHECK(capped.health == 30);  // never below 30: the failed jobs are not in it
  CHECK(capped.severity == 4);  // round(70 / 20 = 3.5) halves up
  CHECK(capped.probability == doctest::Approx(0.7));
}

TEST_CASE("nothing open: health 100, severity at least 1") {
  auto f = risk_figures({}, 0, 3);
  CHECK(f.health == 100);
  CHECK(f.total == 0);
  CHECK(f.severity == 1);
  CHECK(f.probability == 0);
  CHECK(f.failed_job_pressure == 9);
}

TEST_CASE("round2 halves away from zero, through binary noise") {
  CHECK(round2(0.685) == 0.69);
  CHECK(round2(1.005) == 1.01);
  CHECK(round2(2.675) == 2.68);
  CHECK(round2(-0.005) == -0.01);
  CHECK(round2(89.31) == 89.31);
}
