#pragma once
// Health and risk refresh and overview (scheduler-and-intelligence.md §2.1, §2.3): a new
// health_scores row each refresh (the history trends read), and one current risk pattern and
// one current risk radar item per project, updated in place (labctl keeps one; the reference
// appended a row per refresh).
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace labctl::intelligence {

struct Factor {
  std::string key;
  double value;
  bool operational_only = false;  // reported, not in the score
};

struct RiskRefresh {
  double health_score;
  std::vector<Factor> factors;
  double total_pressure;
};

struct HealthScore {
  double score;
  std::vector<Factor> factors;
  std::string generated_at;
};

struct RadarItem {
  std::string id;
  int severity;
  double probability;
  std::string title;
  std::optional<std::string> mitigation_action;
  std::string status;
  nlohmann::json evidence_refs;
  std::string updated_at;
};

struct RiskPattern {
  std::string id, pattern_key, title;
  double weight;
  std::string status;
  nlohmann::json mitigation_playbook, evidence_refs;
  std::string updated_at;
};

struct RiskOverview {
  std::optional<HealthScore> health;  // the newest
  std::vector<RadarItem> risks;       // the 30 newest
  std::vector<RiskPattern> patterns;  // the 30 newest
};

void to_json(nlohmann::json& j, const Factor& f);
void to_json(nlohmann::json& j, const RiskRefresh& r);
void to_json(nlohmann::json& j, const HealthScore& h);
void to_json(nlohmann::json& j, const RadarItem& r);
void to_json(nlohmann::json& j, const RiskPattern& p);
void to_json(nlohmann::json& j, const RiskOverview& o);

RiskRefresh refresh_risk(pqxx::transaction_base& tx, const std::string& project_id, const std::string& account_scope_id);
RiskOverview risk_overview(pqxx::transaction_base& tx, const std::string& project_id, const std::string& account_scope_id);

}  // namespace labctl::intelligence
