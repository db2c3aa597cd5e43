#include "labctl/domains/intelligence/control_tower.hpp"

#include <algorithm>

#include "labctl/core/json_optional.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/intelligence/risk_model.hpp"

namespace labctl::intelligence {

using nlohmann::json;

void to_json(json& j, const ControlTower& c) {
  j = {{"project_id", c.project_id},
       {"account_scope_id", c.account_scope_id},
       {"integrations",
        {{"sync_watermarks", c.sync_watermarks},
         {"linear",
          {{"issues_total", c.linear_issues_total},
           {"issues_open", c.linear_issues_open},
           {"issues_overdue", c.linear_issues_overdue}}},
         {"attio",
          {{"accounts", c.attio_accounts},
           {"annual_revenue", c.attio_annual_revenue},
           {"pipeline_amount", c.attio_pipeline_amount}}},
         {"chatwoot", {{"conversations", c.chatwoot_conversations}, {"messages_7d", c.chatwoot_messages_7d}}}}},
       {"top_nba", c.top_nba},
       {"risk", c.risk},
       {"analytics", c.analytics},
       {"evidence", c.evidence}};
}

ControlTower control_tower(pqxx::transaction_base& tx, const std::string& project, const std::string& scope) {
  ControlTower c{project, scope, {}, 0, 0, 0, 0, 0, 0, 0, 0, {}, {}, {}, {}};
  for (auto& w : connectors::list_watermarks(tx, project, scope))
    if (w.source.starts_with("chatwoot:") || w.source.starts_with("attio:") || w.source.starts_with("linear:"))
      c.sync_watermarks.push_back(std::move(w));
  std::sort(c.sync_watermarks.begin(), c.sync_watermarks.end(),
            [](const auto& a, const auto& b) { return a.source < b.source; });
  const std::string in = "project_id = $1::uuid AND account_scope_id = $2::uuid";
  auto f = tx.exec_params1(
      "SELECT (SELECT count(*) FROM linear_issues_raw WHERE " + in + "), "
      "  (SELECT count(*) FROM linear_issues_raw WHERE " + in + " AND completed_at IS NULL), "
      "  (SELECT count(*) FROM linear_issues_raw WHERE " + in + " AND completed_at IS NULL "
      "     AND due_date < (now() AT TIME ZONE 'UTC')::date), "
      "  (SELECT count(*) FROM attio_accounts_raw WHERE " + in + "), "
      "  (SELECT coalesce(sum(annual_revenue), 0)::float8 FROM attio_accounts_raw WHERE " + in + "), "
      "  (SELECT coalesce(sum(amount), 0)::float8 FROM attio_opportunities_raw WHERE " + in + "), "
      "  (SELECT count(*) FROM cw_messages WHERE " + in + "), "
      "  (SELECT count(*) FROM cw_messages WHERE " + in + " AND created_at > now() - interval '7 days')",
      project, scope);
  c.linear_issues_total = f[0].as<long long>();
  c.linear_issues_open = f[1].as<long long>();
  c.linear_issues_overdue = f[2].as<long long>();
  c.attio_accounts = f[3].as<long long>();
  c.attio_annual_revenue = round2(f[4].as<double>());
  c.attio_pipeline_amount = round2(f[5].as<double>());
  c.chatwoot_conversations = f[6].as<long long>();
  c.chatwoot_messages_7d = f[7].as<long long>();
  c.top_nba = top_actions(tx, project, scope, 8);
  c.risk = risk_overview(tx, project, scope);
  c.analytics = analytics_overview(tx, project, scope);
  c.evidence = evidence_by_source(tx, project, scope, std::nullopt, 12);
  return c;
}

}  // namespace labctl::intelligence
