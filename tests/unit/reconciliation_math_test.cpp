#include <doctest/doctest.h>

#include "labctl/domains/connectors/reconciliation.hpp"

using namespace labctl::connectors;
using json = nlohmann::json;

TEST_CASE("pct: 100 for an empty total, otherwise 100·ok/t clamped to [0, 100]") {
  CHECK(completeness_pct(0, 0) == 100);
  CHECK(completeness_pct(5, 0) == 100);
  CHECK(completeness_pct(-3, -5) == 100);
  CHECK(completeness_pct(3, 4) == 75);
  CHECK(completeness_pct(0, 4) == 0);
  CHECK(completeness_pct(6, 4) == 100);  // more mapped than raw
  CHECK(completeness_pct(-1, 4) == 0);
  CHECK(completeness_pct(1, 3) == doctest::Approx(33.333333333));
}

TEST_CASE("mean of parts: empty is 100, each part clamped first") {
  CHECK(mean_pct({}) == 100);
  CHECK(mean_pct({80, 75, 80}) == doctest::Approx(78.333333333));
  CHECK(mean_pct({150, 50}) == 75);
  CHECK(mean_pct({-20, 40}) == 20);
  CHECK(mean_pct({100}) == 100);
}

TEST_CASE("round2 keeps two decimal places") {
  CHECK(round2(78.333333) == 78.33);
  CHECK(round2(66.666666) == 66.67);
  CHECK(round2(73.77655) == 73.78);
  CHECK(round2(100) == 100);
  CHECK(round2(0) == 0);
}

TEST_CASE("worked example: chatwoot parts 80, 75, 80 give 78.33, total 19, missing 3, duplicates 1") {
  auto m = chatwoot_metric({.contacts = 5,
                            .conversations = 4,
                            .messages = 10,
                            .messages_without_contact = 2,
                            .conversations_without_contact = 1,
                            .duplicate_emails = 1});
  CHECK(m.connector == "chatwoot");
  CHECK(m.completeness_pct == 78.33);
  CHECK(m.total_count == 19);
  CHECK(m.missing_count == 3);
  CHECK(m.duplicate_count == 1);
  CHECK(m.payload["completeness_pct"].get<double>() == doctest::Approx(78.333333333));
  CHECK(m.payload["messages_without_contact"] == 2);
  CHECK(m.payload["conversations_without_contact"] == 1);
  CHECK(m.payload["duplicate_contacts_by_email"] == 1);
  CHECK(m.payload["contacts_total"] == 5);
}

TEST_CASE("connectors with no data are 100% complete") {
  for (const auto& m : {chatwoot_metric({}), linear_metric({}), attio_metric({})}) {
    CAPTURE(m.connector);
    CHECK(m.completeness_pct == 100);
    CHECK(m.total_count == 0);
    CHECK(m.missing_count == 0);
    CHECK(m.duplicate_count == 0);
  }
}

TEST_CASE("linear: one part per blank field; blocked is informational") {
  auto m = linear_metric({.issues = 4, .without_state = 1, .without_state_type = 2, .without_title = 0, .blocked = 3});
  CHECK(m.completeness_pct == 75);  // mean(75, 50, 100)
  CHECK(m.total_count == 4);
  CHECK(m.missing_count == 3);
  CHECK(m.duplicate_count == 0);
  CHECK(m.payload["blocked_issues"] == 3);
  CHECK(m.payload["issues_without_state_type"] == 2);
}

TEST_CASE("attio: mapped accounts, mapped deals, resolvable refs, deals with a ref") {
  AttioCounts c{.raw_accounts = 4,
                .raw_opportunities = 5,
                .opportunities_without_account_ref = 1,
                .mapped_accounts = 3,
                .mapped_opportunities = 2,
                .opportunities_with_account_ref = 4,
                .opportunities_unmapped_to_crm_account = 2};
  auto m = attio_metric(c);
  CHECK(m.completeness_pct == 61.25);  // mean(75, 40, 50, 80)
  CHECK(m.total_count == 9);
  CHECK(m.missing_count == 3);
  CHECK(m.duplicate_count == 0);
  CHECK(m.payload["opportunities_unmapped_to_crm_account"] == 2);

  c.mapped_accounts = 6;  // more CRM rows than raw rows cannot exceed 100 for that part
  CHECK(attio_metric(c).completeness_pct == 67.5);  // mean(100, 40, 50, 80)
}

TEST_CASE("portfolio: sums, completeness weighted by max(1, total), by_connector in order") {
  auto chatwoot = chatwoot_metric({5, 4, 10, 2, 1, 1});                  // 78.33, total 19
  auto linear = linear_metric({});                                       // 100, total 0 → weight 1
  auto attio = attio_metric({4, 5, 1, 3, 2, 4, 2});                      // 61.25, total 9
  auto p = portfolio_metric({chatwoot, linear, attio});
  CHECK(p.connector == "portfolio");
  // (78.33·19 + 100·1 + 61.25·9) / 29 = 73.7765…
  CHECK(p.completeness_pct == 73.78);
  CHECK(p.total_count == 28);
  CHECK(p.missing_count == 6);
  CHECK(p.duplicate_count == 1);
  REQUIRE(p.payload["by_connector"].size() == 3);
  CHECK(p.payload["by_connector"][0] ==
        json{{"connector", "chatwoot"}, {"completeness_pct", 78.33}, {"total_count", 19}, {"missing_count", 3},
             {"duplicate_count", 1}});
  CHECK(p.payload["by_connector"][1]["connector"] == "linear");
  CHECK(p.payload["by_connector"][2]["completeness_pct"] == 61.25);

  CHECK(portfolio_metric({}).completeness_pct == 100);
  // Two empty connectors and one at 0%: each weighs at least 1.
  auto zero = finalize_metric("attio", 0, 0, 0, {{"completeness_pct", 0}});
  CHECK(portfolio_metric({linear, linear, zero}).completeness_pct == 66.67);
}

TEST_CASE("finalize: the payload value wins; otherwise pct(total − missing − dup, total)") {
  CHECK(finalize_metric("x", 10, 2, 1, json::object()).completeness_pct == 70);
  CHECK(finalize_metric("x", 10, 8, 5, json::object()).completeness_pct == 0);
  CHECK(finalize_metric("x", 0, 0, 0, json::object()).completeness_pct == 100);
  CHECK(finalize_metric("x", 10, 2, 1, {{"completeness_pct", 12.345678}}).completeness_pct == 12.35);
  CHECK(finalize_metric("x", 10, 0, 0, {{"completeness_pct", 150}}).completeness_pct == 100);
  CHECK(finalize_metric("x", 10, 0, 0, {{"completeness_pct", nullptr}}).completeness_pct == 100);
  auto negative = finalize_metric("x", -4, -1, -2, nullptr);
  CHECK(negative.total_count == 0);
  CHECK(negative.missing_count == 0);
  CHECK(negative.duplicate_count == 0);
  CHECK(negative.payload == json::object());
}

TEST_CASE("a metric serialises with the column names of sync_reconciliation_metrics") {
  json j = chatwoot_metric({5, 4, 10, 2, 1, 1});
  CHECK(j["connector"] == "chatwoot");
  CHECK(j["completeness_pct"] == 78.33);
  CHECK(j["total_count"] == 19);
  CHECK(j["missing_count"] == 3);
  CHECK(j["duplicate_count"] == 1);
  CHECK(j["payload"]["messages_total"] == 10);
}
