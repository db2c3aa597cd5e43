#include "labctl/domains/intelligence/portfolio_model.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace labctl::intelligence {

double portfolio_expected_revenue(const ClientFigures& f) {
  return std::max(f.crm_expected + f.attio_expected, f.attio_pipeline + f.crm_pipeline);
}

int client_value_score(const ClientFigures& f) {
  const double expected = portfolio_expected_revenue(f);
  const double score = 22 + std::min(28.0, 7 * std::log10(1 + std::max(0.0, expected))) +
                       std::min(16.0, 0.8 * static_cast<double>(f.messages_7d)) + std::min(42.0, 0.42 * f.health_score) -
                       std::min(30.0, 5.5 * static_cast<double>(f.risks_open));
  return static_cast<int>(std::lround(std::clamp(score, 0.0, 100.0)));
}

int discount_limit_pct(int score) {
  if (score >= 85) return 18;
  if (score >= 70) return 14;
  if (score >= 55) return 10;
  if (score >= 40) return 7;
  return 5;
}

int pattern_severity(double weight) { return std::clamp(static_cast<int>(std::lround(5 * weight)), 1, 5); }

std::string funnel_stage(const std::string& stage) {
  std::string s;
  for (char c : stage) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "closed-won" || s == "closed_won" || s == "won") return "won";
  if (s == "closed-lost" || s == "closed_lost" || s == "lost") return "lost";
  if (s == "proposal_sent" || s == "proposal") return "proposal";
  if (s == "qualified" || s == "negotiation") return s;
  return "discovery";
}

}  // namespace labctl::intelligence
