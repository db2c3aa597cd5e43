#include "labctl/domains/intelligence/signal_rules.hpp"

#include <algorithm>
#include <cmath>

#include "labctl/core/ids.hpp"
#include "labctl/core/utf8.hpp"

namespace labctl::intelligence {
namespace {

bool word_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

// `word` in `text` with a non-word character (or the text's edge) on each side.
bool has_word(std::string_view text, std::string_view word) {
  for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    bool starts = at == 0 || !word_char(text[at - 1]);
    size_t end = at + word.size();
    if (starts && (end == text.size() || !word_char(text[end]))) return true;
  }
  return false;
}

}  // namespace

const std::vector<MessageRule>& message_rules() {
  static const std::vector<MessageRule> rules = {
      {"delivery_risk",
       {"delay", "blocked", "blocker", "stuck", "slipped", "late"},
       {"задержк", "блокер", "застрял", "сорвал", "опоздан", "срыв", "проблема с дедлайн"},
       4, 0.82, "Potential delivery blocker detected in conversation"},
      {"commercial_pressure",
       {"budget", "pricing", "discount", "cost", "expensive"},
       {"бюджет", "стоимост", "цена", "цены", "цену", "дорого", "скидк", "расход", "цену снизить"},
       3, 0.74, "Budget or pricing pressure signal detected"},
      {"upsell_intent",
       {"upgrade", "add-on", "addon", "expand", "cross-sell", "cross sell", "crosssell", "upsell"},
       {"расширить", "дополнительно", "апгрейд", "кросс-продаж", "кросспродаж", "допродаж", "новый модуль", "доработк"},
       2, 0.70, "Potential upsell/cross-sell intent detected"},
      {"urgency_increase",
       {"urgent", "asap", "critical", "priority"},
       {"срочно", "критично", "приоритет", "горит", "немедленно", "дедлайн горит"},
       4, 0.76, "Urgency increase detected in communication"},
  };
  return rules;
}

std::vector<const MessageRule*> matching_rules(std::string_view text) {
  const std::string lower = to_lower(text);
  std::vector<const MessageRule*> out;
  for (const auto& rule : message_rules()) {
    bool hit = std::any_of(rule.english.begin(), rule.english.end(), [&](const auto& w) { return has_word(lower, w); }) ||
               std::any_of(rule.russian.begin(), rule.russian.end(),
                           [&](const auto& stem) { return lower.find(stem) != std::string::npos; });
    if (hit) out.push_back(&rule);
  }
  return out;
}

const ActionRule& action_for(std::string_view signal_type) {
  static const ActionRule delivery{"review_delivery_blockers", 5, "Run delivery unblock review and assign owner"},
      pricing{"prepare_pricing_response", 4, "Prepare pricing response and approval path"},
      upsell{"prepare_upsell_offer", 4, "Draft upsell offer and approval-ready outbound"},
      urgency{"align_priority_and_timeline", 4, "Align timeline and expectations with client"},
      triage{"triage_signal", 3, "Triage signal and decide next action"};
  if (signal_type == "delivery_risk" || signal_type == "delivery_overdue") return delivery;
  if (signal_type == "commercial_pressure") return pricing;
  if (signal_type == "upsell_intent") return upsell;
  if (signal_type == "urgency_increase") return urgency;
  return triage;
}

std::string signal_key(std::string_view project_id, std::string_view signal_type, std::string_view source_ref) {
  return sha1_hex(std::string(project_id) + ":" + std::string(signal_type) + ":" + std::string(source_ref));
}

std::string action_key(std::string_view project_id, std::string_view signal_id, std::string_view action_type) {
  return sha1_hex(std::string(project_id) + ":" + std::string(signal_id) + ":" + std::string(action_type));
}

int overdue_severity(long long n) { return static_cast<int>(std::min<long long>(5, 2 + n)); }

double overdue_confidence(long long n) { return 0.7 + std::min(0.2, 0.03 * static_cast<double>(n)); }

int stored_severity(double severity) {
  return std::isfinite(severity) ? static_cast<int>(std::clamp(std::round(severity), 1.0, 5.0)) : 3;
}

double stored_confidence(double confidence) { return std::isfinite(confidence) ? std::clamp(confidence, 0.0, 1.0) : 0.5; }

}  // namespace labctl::intelligence
