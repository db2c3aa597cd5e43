// risk refresh | overview (scheduler-and-intelligence.md §2.1, §2.3; api.md §4.6).
#include "labctl/domains/intelligence/health_risk.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {

std::vector<Operation> risk_operations() {
  return {
      {.name = "risk.refresh",
       .cli_path = {"risk", "refresh"},
       .routes = {{.method = "POST", .path = "/risk/refresh"}},
       .summary = "Score the project's health from open signals and overdue issues; update its risk pattern and "
                  "radar item",
       .example = "labctl risk refresh --project 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --output json",
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "risk.refresh", .entity_type = "health_score",
                 .payload = [](const Params&, const json& r) -> json { return r["result"]; }},
       .handler = [](Context& ctx, const Params&) -> json {
         auto scope = ctx.scope();
         pqxx::work tx(ctx.conn());
         auto result = intelligence::refresh_risk(tx, scope.project_id, scope.account_scope_id);
         tx.commit();
         return {{"result", result}};
       }},
      {.name = "risk.overview",
       .cli_path = {"risk", "overview"},
       .routes = {{.method = "GET", .path = "/risk/overview"}},
       .summary = "The newest health score, and the 30 newest risk radar items and patterns",
       .example = "labctl risk overview --output json",
       .scope = Scope::required,
       .handler = [](Context& ctx, const Params&) -> json {
         auto scope = ctx.scope();
         pqxx::read_transaction tx(ctx.conn());
         return intelligence::risk_overview(tx, scope.project_id, scope.account_scope_id);
       }},
  };
}

}  // namespace labctl::ops
