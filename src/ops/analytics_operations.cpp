// analytics refresh | overview | drilldown (scheduler-and-intelligence.md §2.2–2.3; api.md §4.6).
#include "labctl/domains/intelligence/analytics.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {

std::vector<Operation> analytics_operations() {
  return {
      {.name = "analytics.refresh",
       .cli_path = {"analytics", "refresh"},
       .routes = {{.method = "POST", .path = "/analytics/refresh"}},
       .summary = "Compute the period's communications, delivery figures and open pipeline; upsert the snapshots",
       .example = "labctl analytics refresh --period-days 7 --project 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c",
       .params = {{.name = "period_days", .type = ParamType::integer, .help = "the period, 1..120 days back from today",
                   .default_value = 30, .min = 1, .max = 120}},
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "analytics.refresh", .entity_type = "analytics",
                 .payload = [](const Params& p, const json& r) -> json {
                   json out = r["result"];
                   out["period_days"] = p.integer("period_days");
                   return out;
                 }},
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         pqxx::work tx(ctx.conn());
         auto result = intelligence::refresh_analytics(tx, scope.project_id, scope.account_scope_id,
                                                       static_cast<int>(p.integer("period_days")));
         tx.commit();
         return {{"result", result}};
       }},
      {.name = "analytics.overview",
       .cli_path = {"analytics", "overview"},
       .routes = {{.method = "GET", .path = "/analytics/overview"}},
       .summary = "The newest revenue (3 rows), delivery and communications snapshots",
       .example = "labctl analytics overview --output json",
       .scope = Scope::required,
       .handler = [](Context& ctx, const Params&) -> json {
         auto scope = ctx.scope();
         pqxx::read_transaction tx(ctx.conn());
         return intelligence::analytics_overview(tx, scope.project_id, scope.account_scope_id);
       }},
      {.name = "analytics.drilldown",
       .cli_path = {"analytics", "drilldown"},
       .routes = {{.method = "GET", .path = "/analytics/drilldown"}},
       .summary = "The newest evidence items of one source (its type or its table), or of all",
       .example = "labctl analytics drilldown --source cw_messages --limit 20",
       .params = {{.name = "source", .help = "a source type or table, e.g. cw_messages", .max = 100},
                  {.name = "limit", .type = ParamType::integer, .help = "rows, 1..200", .default_value = 50, .min = 1,
                   .max = 200, .out_of_range = OutOfRange::clamp}},
       .scope = Scope::required,
       .rows = "evidence",
       .columns = {"created_at", "source_type", "source_table", "source_pk", "snippet"},
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         pqxx::read_transaction tx(ctx.conn());
         return {{"evidence", intelligence::evidence_by_source(tx, scope.project_id, scope.account_scope_id,
                                                               p.opt_str("source"), p.integer("limit"))}};
       }},
  };
}

}  // namespace labctl::ops
