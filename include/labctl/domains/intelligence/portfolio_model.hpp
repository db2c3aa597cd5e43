#pragma once
// The portfolio's formulas (scheduler-and-intelligence.md §5), pure: a project's expected
// revenue, its client value score and the discount limit that score allows, a risk pattern's
// card severity, and the funnel's stage names.
#include <string>

namespace labctl::intelligence {

struct ClientFigures {
  double attio_pipeline = 0, attio_expected = 0;  // open Attio deals: Σ amount, Σ amount × probability
  double crm_pipeline = 0, crm_expected = 0;      // open CRM deals not from Attio
  long long messages_7d = 0;
  double health_score = 0;  // the newest, 0 without one
  long long risks_open = 0;
};

// max(crm_expected + attio_expected, attio_pipeline + crm_pipeline) — the reference's, kept (§9).
double portfolio_expected_revenue(const ClientFigures& f);
// round(clamp(22 + min(28, 7·log10(1 + max(0, expected))) + min(16, 0.8·messages_7d)
//   + min(42, 0.42·health) − min(30, 5.5·risks_open), 0, 100)).
int client_value_score(const ClientFigures& f);
// ≥ 85 → 18 %, ≥ 70 → 14, ≥ 55 → 10, ≥ 40 → 7, else 5.
int discount_limit_pct(int client_value_score);
// An open pattern's severity on a risk card: clamp(round(5 · weight), 1, 5).
int pattern_severity(double weight);
// The funnel's node for a deal stage: closed-won → won, closed-lost → lost, proposal_sent →
// proposal, the CRM stages as they are, anything else → discovery.
std::string funnel_stage(const std::string& stage);

}  // namespace labctl::intelligence
