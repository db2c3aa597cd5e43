// The portfolio's formulas and selection (scheduler-and-intelligence.md §5, §10 scenario 24; api.md §3).
#include <doctest/doctest.h>

#include "labctl/domains/auth/account_scope.hpp"
#include "labctl/domains/intelligence/portfolio_model.hpp"

using namespace labctl;
using namespace labctl::intelligence;

TEST_CASE("the chapter's example: 9,999 expected, 10 messages, health 80, 2 risks → 80.6 → 81 → 14 %") {
  ClientFigures f{.attio_pipeline = 9999, .attio_expected = 4999.5, .messages_7d = 10, .health_score = 80,
                  .risks_open = 2};
  CHECK(portfolio_expected_revenue(f) == 9999);  // the pipeline beats the weighted sum (the reference's max, §9)
  CHECK(client_value_score(f) == 81);
  CHECK(discount_limit_pct(client_value_score(f)) == 14);
}

TEST_CASE("each term of the client value score has its weight and its cap") {
  ClientFigures none;
  CHECK(client_value_score(none) == 22);  // log10(1) = 0
  ClientFigures rich{.crm_expected = 1e9};
  CHECK(client_value_score(rich) == 50);  // 7·log10(1e9 + 1) = 63 → capped at 28
  CHECK(client_value_score({.messages_7d = 5}) == 26);   // 0.8 · 5
  CHECK(client_value_score({.messages_7d = 500}) == 38); // capped at 16
  CHECK(client_value_score({.health_score = 50}) == 43); // 0.42 · 50 = 21
  CHECK(client_value_score({.health_score = 100}) == 64); // 42: exactly the cap
  CHECK(client_value_score({.risks_open = 1}) == 17);    // 22 − 5.5 = 16.5 → 17 (halves up)
  CHECK(client_value_score({.risks_open = 100}) == 0);   // −30 capped, then clamped at 0
  ClientFigures best{.attio_pipeline = 1e9, .messages_7d = 100, .health_score = 100};
  CHECK(client_value_score(best) == 100);  // 22 + 28 + 16 + 42 = 108 → clamped
  CHECK(portfolio_expected_revenue({.attio_pipeline = -50}) == 0);  // max with the weighted sum (0)
}

TEST_CASE("discount limits change exactly at 85, 70, 55 and 40") {
  CHECK(discount_limit_pct(100) == 18);
  CHECK(discount_limit_pct(85) == 18);
  CHECK(discount_limit_pct(84) == 14);
  CHECK(discount_limit_pct(70) == 14);
  CHECK(discount_limit_pct(69) == 10);
  CHECK(discount_limit_pct(55) == 10);
  CHECK(discount_limit_pct(54) == 7);
  CHECK(discount_limit_pct(40) == 7);
  CHECK(discount_limit_pct(39) == 5);
  CHECK(discount_limit_pct(0) == 5);
}

TEST_CASE("a pattern's card severity and the funnel's stage names") {
  CHECK(pattern_severity(0) == 1);
  CHECK(pattern_severity(0.1069) == 1);
  CHECK(pattern_severity(0.5) == 3);  // 2.5 halves up
  CHECK(pattern_severity(1) == 5);
  CHECK(funnel_stage("Closed-Won") == "won");
  CHECK(funnel_stage("closed-lost") == "lost");
  CHECK(funnel_stage("proposal_sent") == "proposal");
  CHECK(funnel_stage("negotiation") == "negotiation");
  CHECK(funnel_stage("qualified") == "qualified");
  CHECK(funnel_stage("") == "discovery");
  CHECK(funnel_stage("something new") == "discovery");
}

TEST_CASE("the portfolio's selection: requested ids in the scope, else the active project, else all") {
  std::vector<projects::Project> available = {{"a", "Alpha", "s", "", ""}, {"b", "Beta", "s", "", ""},
                                              {"c", "Gamma", "s", "", ""}};
  using V = std::vector<std::string>;
  CHECK(auth::select_projects(available, {"c", "A", "c", "x"}, std::nullopt) == V{"c", "a"});  // once, in order
  CHECK(auth::select_projects(available, {}, std::string("b")) == V{"b"});
  CHECK(auth::select_projects(available, {"x"}, std::string("b")) == V{"b"});  // nothing requested survives
  CHECK(auth::select_projects(available, {}, std::string("x")) == V{"a", "b", "c"});  // the active one is elsewhere
  CHECK(auth::select_projects({}, {"a"}, std::string("a")).empty());
}
