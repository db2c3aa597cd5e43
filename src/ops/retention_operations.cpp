// retention outbound | analytics: the data lifecycle jobs (scheduler-and-intelligence.md §8.4),
// run by the scheduler as outbound_retention_cleanup and analytics_retention_cleanup.
#include <spdlog/spdlog.h>

#include "labctl/core/config.hpp"
#include "labctl/core/metrics.hpp"
#include "labctl/domains/lifecycle/data_retention.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

// Purges each table once for the project: the metrics (api.md §6) and a warning per full batch.
std::vector<lifecycle::Purge> run_retention(Context& ctx, const std::vector<lifecycle::RetentionPolicy>& policies,
                                            int batch) {
  auto scope = ctx.scope();
  std::vector<lifecycle::Purge> purges;
  long long deleted = 0;
  for (const auto& policy : policies) {
    auto p = lifecycle::purge(ctx.conn(), policy, scope.project_id, scope.account_scope_id, batch);
    deleted += p.deleted;
    ctx.metrics.set_labelled("app_retention_cleanup_lag_days", "table", p.table, p.lag_days);
    if (p.saturated) {
      ctx.metrics.inc("app_retention_cleanup_saturation_warnings_total");
      spdlog::warn("retention: {} of project {} filled its batch of {}; overdue rows remain ({} days behind)", p.table,
                   scope.project_id, batch, p.lag_days);
    }
    purges.push_back(std::move(p));
  }
  ctx.metrics.inc("app_retention_cleanup_runs_total");
  ctx.metrics.inc("app_retention_cleanup_deleted_rows_total", static_cast<double>(deleted));
  ctx.metrics.set_gauge("app_retention_cleanup_last_deleted_rows", [deleted] { return static_cast<double>(deleted); });
  return purges;
}

json purge_json(const lifecycle::Purge& p) {
  return {{"deleted", p.deleted}, {"retention_days", p.retention_days}, {"saturated", p.saturated},
          {"lag_days", p.lag_days}};
}

// Both are audited with what they deleted, and as partial when a batch was full.
Audit retention_audit(const std::string& action) {
  return {.action = action, .entity_type = "retention",
          .payload = [](const Params&, const json& r) -> json { return r; },
          .status = [](const json& r) -> std::string { return r.value("saturated", false) ? "partial" : "ok"; }};
}

}  // namespace

std::vector<Operation> retention_operations() {
  return {
      {.name = "retention.outbound",
       .cli_path = {"retention", "outbound"},
       .summary = "Delete the project's sent, failed, blocked and cancelled outbound messages older than "
                  "retention.outbound_days, at most retention.outbound_batch per run, oldest first",
       .example = "labctl retention outbound --project 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --output json",
       .scope = Scope::required,
       .mutating = true,
       .audit = retention_audit("retention.outbound_cleanup"),
       .handler = [](Context& ctx, const Params&) -> json {
         auto purges = run_retention(ctx, {lifecycle::outbound_policy(ctx.config)},
                                     ctx.config.get_int("retention.outbound_batch"));
         return purge_json(purges.front());
       }},
      {.name = "retention.analytics",
       .cli_path = {"retention", "analytics"},
       .summary = "Delete the project's search analytics and logged LightRAG queries past their retention, at most "
                  "retention.analytics_batch per table and run, oldest first",
       .example = "labctl retention analytics --project 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --output json",
       .scope = Scope::required,
       .mutating = true,
       .audit = retention_audit("retention.analytics_cleanup"),
       .handler = [](Context& ctx, const Params&) -> json {
         json tables = json::object();
         long long total = 0;
         bool saturated = false;
         for (const auto& p : run_retention(ctx, lifecycle::analytics_policies(ctx.config),
                                            ctx.config.get_int("retention.analytics_batch"))) {
           tables[p.table] = purge_json(p);
           total += p.deleted;
           saturated = saturated || p.saturated;
         }
         return {{"tables", tables}, {"total", total}, {"saturated", saturated}};
       }},
  };
}

}  // namespace labctl::ops
