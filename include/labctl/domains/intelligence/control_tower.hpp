#pragma once
// The control tower (scheduler-and-intelligence.md §2.4): one project's integrations at a
// glance (sync watermarks, Linear, Attio and Chatwoot figures), its top next best actions, the
// risk and analytics overviews and the newest evidence.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/domains/connectors/sync_watermarks.hpp"
#include "labctl/domains/intelligence/analytics.hpp"
#include "labctl/domains/intelligence/health_risk.hpp"
#include "labctl/domains/intelligence/signals.hpp"

namespace labctl::intelligence {

struct ControlTower {
  std::string project_id, account_scope_id;
  std::vector<connectors::SourceWatermark> sync_watermarks;  // sources chatwoot:*, attio:*, linear:*, by source
  long long linear_issues_total, linear_issues_open, linear_issues_overdue;
  long long attio_accounts;
  double attio_annual_revenue, attio_pipeline_amount;  // Σ amount of every Attio deal, closed ones too (§9)
  long long chatwoot_conversations;  // counts messages, as the reference does (§9)
  long long chatwoot_messages_7d;
  std::vector<NextBestAction> top_nba;  // 8
  RiskOverview risk;
  AnalyticsOverview analytics;
  std::vector<EvidenceItem> evidence;  // the 12 newest
};

void to_json(nlohmann::json& j, const ControlTower& c);

ControlTower control_tower(pqxx::transaction_base& tx, const std::string& project_id, const std::string& account_scope_id);

}  // namespace labctl::intelligence
