// The signal and next-best-action rules (scheduler-and-intelligence.md §3.1–3.2), pure.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "labctl/core/ids.hpp"
#include "labctl/domains/intelligence/signal_rules.hpp"

using namespace labctl::intelligence;

namespace {

std::vector<std::string> types(const std::string& text) {
  std::vector<std::string> out;
  for (const auto* rule : matching_rules(text)) out.push_back(rule->signal_type);
  return out;
}

}  // namespace

TEST_CASE("message families: English whole words, Russian stems anywhere, one signal per family") {
  CHECK(types("We are blocked and the release slipped") == std::vector<std::string>{"delivery_risk"});  // §10 scenario 19
  CHECK(types("the delayed build").empty());  // "delay" is a whole word only
  CHECK(types("Срочно нужна скидка") == std::vector<std::string>{"commercial_pressure", "urgency_increase"});
  CHECK(types("BLOCKED!") == std::vector<std::string>{"delivery_risk"});
  CHECK(types("(late)") == std::vector<std::string>{"delivery_risk"});
  CHECK(types("translate this").empty());   // "late" inside a word
  CHECK(types("costs went up").empty());    // "cost" only as the word
  CHECK(types("blocked_by").empty());       // _ is a word character, as in JavaScript's \b
  CHECK(types("Clients want an add-on") == std::vector<std::string>{"upsell_intent"});
  CHECK(types("a cross sell chance") == std::vector<std::string>{"upsell_intent"});
  CHECK(types("Задержка поставки") == std::vector<std::string>{"delivery_risk"});
  CHECK(types("ЗАДЕРЖКА") == std::vector<std::string>{"delivery_risk"});  // Cyrillic case folded
  CHECK(types("цену снизить бы") == std::vector<std::string>{"commercial_pressure"});
  CHECK(types("у нас дедлайн горит") == std::vector<std::string>{"urgency_increase"});
  CHECK(types("нужна доработка, это срочно, бюджет есть, но застряли") ==
        std::vector<std::string>{"delivery_risk", "commercial_pressure", "upsell_intent", "urgency_increase"});
  CHECK(types("").empty());
  CHECK(types("всё хорошо, спасибо").empty());
}

TEST_CASE("each family's severity, confidence and summary are the chapter's") {
  const auto& rules = message_rules();
  REQUIRE(rules.size() == 4);
  CHECK(rules[0].severity == 4);
  CHECK(rules[0].confidence == doctest::Approx(0.82));
  CHECK(rules[1].severity == 3);
  CHECK(rules[1].confidence == doctest::Approx(0.74));
  CHECK(rules[2].severity == 2);
  CHECK(rules[2].confidence == doctest::Approx(0.70));
  CHECK(rules[3].severity == 4);
  CHECK(rules[3].confidence == doctest::Approx(0.76));
  CHECK(rules[3].summary == "Urgency increase detected in communication");
}

TEST_CASE("next best actions by signal type") {
  CHECK(action_for("delivery_risk").action_type == "review_delivery_blockers");
  CHECK(action_for("delivery_overdue").priority == 5);
  CHECK(action_for("commercial_pressure").action_type == "prepare_pricing_response");
  CHECK(action_for("upsell_intent").action_type == "prepare_upsell_offer");
  CHECK(action_for("urgency_increase").action_type == "align_priority_and_timeline");
  CHECK(action_for("deal_without_next_step").action_type == "triage_signal");
  CHECK(action_for("deal_without_next_step").priority == 3);
}

TEST_CASE("dedupe keys are SHA-1 of the parts joined by colons; Linear groups and stored bounds") {
  const std::string p = "6f1c2f5e-0000-4000-8000-000000000001";
  CHECK(signal_key(p, "delivery_risk", "cwmsg:1:2") == labctl::sha1_hex(p + ":delivery_risk:cwmsg:1:2"));
  CHECK(signal_key("p", "t", "r") == "aef22f48689239f6578fbb6652b0c03dba6bee26");  // sha1("p:t:r")
  CHECK(action_key(p, "s", "triage_signal") == labctl::sha1_hex(p + ":s:triage_signal"));
  CHECK(overdue_severity(3) == 5);  // §10 scenario 21
  CHECK(overdue_confidence(3) == doctest::Approx(0.79));
  CHECK(overdue_severity(1) == 3);
  CHECK(overdue_confidence(10) == doctest::Approx(0.9));
  CHECK(stored_severity(7) == 5);
  CHECK(stored_severity(0) == 1);
  CHECK(stored_severity(2.5) == 3);
  CHECK(stored_severity(std::nan("")) == 3);
  CHECK(stored_confidence(1.5) == 1.0);
  CHECK(stored_confidence(-1) == 0.0);
  CHECK(stored_confidence(std::nan("")) == 0.5);
}
