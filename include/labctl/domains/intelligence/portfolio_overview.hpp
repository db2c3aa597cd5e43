#pragma once
// The portfolio overview (scheduler-and-intelligence.md §5): per selected project the figures
// of mv_portfolio_dashboard computed live, the client value score and discount limit; the
// dashboard's totals, trend and charts; the newest messages, agreement cards, risk cards,
// finances, offers and Loops figures. A fixed number of set-based statements, whatever the
// number of projects or rows.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/domains/intelligence/analytics.hpp"
#include "labctl/domains/intelligence/portfolio_model.hpp"
#include "labctl/domains/projects/projects.hpp"

namespace labctl::intelligence {

struct ProjectValue {  // dashboard.by_project
  std::string project_id, project_name;
  ClientFigures figures;
  long long linear_open_issues;
  double expected_revenue;
  int client_value_score, discount_limit_pct;
};

struct PortfolioTotals {
  long long selected_projects = 0, messages_7d = 0, linear_open_issues = 0, risks_open = 0;
  double attio_pipeline_amount = 0, attio_expected_revenue = 0, crm_pipeline_amount = 0, crm_expected_revenue = 0;
  double expected_revenue = 0;  // 2 decimals
  double avg_health_score = 0, avg_client_value_score = 0;
  double sync_completeness_pct = 100;  // the newest reconciliation per connector, averaged; none: 100
};

struct TrendPoint {  // revenue snapshots (30-day horizon) summed per period_start
  std::string period_start;
  double pipeline_amount, expected_revenue, won_amount;
};

// One chart: points oldest first, each a period (a day, a week's Monday, a month) and one value
// per name in `values`.
struct Chart {
  std::string name;
  std::vector<std::string> values;
  struct Point {
    std::string period;
    std::vector<double> values;
  };
  std::vector<Point> points;
};

struct PortfolioMessage {
  std::string id, project_id;
  std::optional<std::string> conversation_global_id, contact_global_id;
  std::string sender_type, content, created_at;  // content ≤ 600 characters
};

struct AgreementCard {
  std::string project_id;
  EvidenceItem evidence;
};

struct RiskCard {
  std::string kind;  // radar, signal, pattern
  std::string id, project_id, title, status;
  int severity;
  double score;  // the radar item's probability, the signal's confidence, the pattern's weight
  nlohmann::json evidence_refs;
  std::string updated_at;
};

struct ProjectFinances {
  std::string project_id, project_name;
  double deal_amount, pipeline_amount, expected_revenue, signed_total, costs_amount, gross_margin;
  double forecast_days;  // the larger of the CRM and Attio means of days to close over open deals
};

struct FunnelNode {
  std::string stage;
  long long deals;
  double amount;
};

struct PortfolioFinances {
  std::vector<ProjectFinances> by_project;
  ProjectFinances totals;  // project_id/name empty; forecast_days the largest
  std::vector<FunnelNode> funnel_nodes;
};

struct UpsellCard {
  std::string id, project_id, title, rationale, status;
  double score, suggested_discount_pct;
  nlohmann::json evidence_refs;
  std::string updated_at;
};

struct OfferCard {
  std::string id, project_id, title, currency, status;
  double subtotal, discount_pct, total;
  std::string updated_at;
};

struct PortfolioOffers {
  std::vector<UpsellCard> upsell;
  std::vector<OfferCard> recent_offers;
  std::vector<ProjectValue> discount_policy;  // each project's score and the discount it allows
};

struct LoopsFigures {
  long long contacts_with_email = 0, unique_emails = 0;
};

struct PortfolioOverview {
  std::vector<projects::Project> projects;  // every project of the scope the caller reaches
  std::vector<std::string> selected_project_ids;
  PortfolioTotals totals;
  std::vector<ProjectValue> by_project;
  std::vector<TrendPoint> trend;
  std::vector<Chart> charts;
  std::vector<PortfolioMessage> messages;
  std::vector<AgreementCard> agreements;
  std::vector<RiskCard> risks;
  PortfolioFinances finances;
  PortfolioOffers offers;
  LoopsFigures loops;
};

void to_json(nlohmann::json& j, const PortfolioOverview& o);

struct PortfolioLimits {
  long long messages = 40;  // 5..200
  long long cards = 16;     // 4..80
};

// The overview of `selected` (ids of `projects`, all in `account_scope_id`).
PortfolioOverview portfolio_overview(pqxx::transaction_base& tx, const std::string& account_scope_id,
                                     std::vector<projects::Project> projects, std::vector<std::string> selected,
                                     const PortfolioLimits& limits);

}  // namespace labctl::intelligence
