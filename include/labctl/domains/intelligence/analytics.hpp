#pragma once
// Analytics (scheduler-and-intelligence.md §2.2–2.3): the refresh computes a period's
// communications, the current delivery figures and the open Attio pipeline, and upserts the
// delivery, comms and revenue snapshots; the overview reads the newest; the drilldown lists
// evidence by source.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace labctl::intelligence {

struct AnalyticsRefresh {
  std::string period_start, period_end;  // today − period_days .. today (UTC dates)
  double pipeline_amount, expected_revenue;
  long long open_issues, overdue_issues, inbound_messages;
};

struct RevenueSnapshot {
  int horizon_days;
  double pipeline_amount, commit_amount, won_amount, expected_revenue, gross_margin;
  std::string generated_at;
};

struct DeliverySnapshot {
  std::string period_start, period_end;
  long long open_issues, overdue_issues, completed_issues;
  double lead_time_days;
  long long throughput;
  std::string created_at;
};

struct CommsSnapshot {
  std::string period_start, period_end;
  long long inbound_messages, outbound_messages, unique_contacts;
  double avg_response_minutes;
  std::string created_at;
};

struct AnalyticsOverview {
  std::vector<RevenueSnapshot> revenue;  // the 3 newest
  std::optional<DeliverySnapshot> delivery;
  std::optional<CommsSnapshot> comms;
};

struct EvidenceItem {
  std::string id, source_type, source_table, source_pk;
  std::optional<std::string> conversation_global_id, message_global_id, contact_global_id, snippet;
  nlohmann::json payload;
  std::string created_at;
};

// An evidence_items row as read: its select list, and the reader of those columns from `first` on.
extern const std::string kEvidenceColumns;
EvidenceItem evidence_from(const pqxx::row& r, int first = 0);

void to_json(nlohmann::json& j, const AnalyticsRefresh& r);
void to_json(nlohmann::json& j, const RevenueSnapshot& r);
void to_json(nlohmann::json& j, const DeliverySnapshot& d);
void to_json(nlohmann::json& j, const CommsSnapshot& c);
void to_json(nlohmann::json& j, const AnalyticsOverview& o);
void to_json(nlohmann::json& j, const EvidenceItem& e);

// period_days 1..120 (checked by the caller's parameters).
AnalyticsRefresh refresh_analytics(pqxx::transaction_base& tx, const std::string& project_id,
                                   const std::string& account_scope_id, int period_days);
AnalyticsOverview analytics_overview(pqxx::transaction_base& tx, const std::string& project_id,
                                     const std::string& account_scope_id);
// The newest evidence items whose source_type or source_table is `source` (none: every source).
std::vector<EvidenceItem> evidence_by_source(pqxx::transaction_base& tx, const std::string& project_id,
                                             const std::string& account_scope_id,
                                             const std::optional<std::string>& source, long long limit);

}  // namespace labctl::intelligence
