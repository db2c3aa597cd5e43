// signals extract | list | set-status and nba list | set-status (scheduler-and-intelligence.md §3,
// api.md §4.4).
#include "labctl/domains/intelligence/signals.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

namespace intel = intelligence;

Param status_filter(const std::vector<std::string>& statuses) {
  return {.name = "status", .type = ParamType::choice, .help = "only rows in this status", .choices = statuses};
}

Param new_status(const std::vector<std::string>& statuses) {
  std::string names;
  for (const auto& s : statuses) names += (names.empty() ? "" : ", ") + s;
  return {.name = "status", .type = ParamType::choice, .help = "the new status: " + names, .choices = statuses,
          .required = true};
}

Param row_id(const char* what) {
  return {.name = "id", .type = ParamType::uuid, .help = std::string("the ") + what + "'s id", .required = true,
          .positional = true, .metavar = "ID", .invalid_code = "invalid_uuid"};
}

Param list_limit() {
  return {.name = "limit", .type = ParamType::integer, .help = "rows, 1..400", .default_value = 100, .min = 1,
          .max = 400, .out_of_range = OutOfRange::clamp};
}

const std::vector<std::string> kSignalColumns = {"id", "severity", "confidence", "signal_type", "status", "summary",
                                                 "created_at"};
const std::vector<std::string> kActionColumns = {"id", "priority", "action_type", "status", "summary", "updated_at"};

}  // namespace

std::vector<Operation> signal_operations() {
  return {
      {.name = "signals.extract",
       .cli_path = {"signals", "extract"},
       .routes = {{.method = "POST", .path = "/signals/extract"}},
       .summary = "Read the last 14 days of messages, overdue Linear issues and CRM deals for signals and their "
                  "next best actions",
       .example = "labctl signals extract --project 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --output json",
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "signals.extract", .entity_type = "signals",
                 .payload = [](const Params&, const json& r) -> json { return r["result"]; }},
       .handler = [](Context& ctx, const Params&) -> json {
         auto scope = ctx.scope();
         pqxx::work tx(ctx.conn());
         auto result = intel::extract_signals(tx, scope.project_id, scope.account_scope_id);
         tx.commit();
         return {{"result", result}};
       }},
      {.name = "signals.list",
       .cli_path = {"signals", "list"},
       .routes = {{.method = "GET", .path = "/signals"}},
       .summary = "Signals by severity, confidence, then newest",
       .example = "labctl signals list --status proposed --severity-min 4",
       .params = {status_filter(intel::kSignalStatuses),
                  {.name = "severity_min", .type = ParamType::integer, .help = "the lowest severity listed, 1..5",
                   .default_value = 1, .min = 1, .max = 5, .out_of_range = OutOfRange::clamp},
                  list_limit()},
       .scope = Scope::required,
       .rows = "signals",
       .columns = kSignalColumns,
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         pqxx::read_transaction tx(ctx.conn());
         return {{"signals", intel::list_signals(tx, scope.project_id, scope.account_scope_id,
                                                 {p.opt_str("status"), static_cast<int>(p.integer("severity_min")),
                                                  p.integer("limit")})}};
       }},
      {.name = "signals.set_status",
       .cli_path = {"signals", "set-status"},
       .routes = {{.method = "POST", .path = "/signals/:id/status"}},
       .summary = "Accept, dismiss or close a signal (any status of the set may follow any other)",
       .example = "labctl signals set-status 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --status accepted",
       .params = {new_status(intel::kSignalStatuses), row_id("signal")},
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "signals.status_update", .entity_type = "signal", .entity = "id"},
       .rows = "signal",
       .columns = kSignalColumns,
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         pqxx::work tx(ctx.conn());
         auto signal = intel::set_signal_status(tx, scope.project_id, scope.account_scope_id, p.str("id"), p.str("status"));
         tx.commit();
         return {{"signal", signal}};
       }},
      {.name = "nba.list",
       .cli_path = {"nba", "list"},
       .routes = {{.method = "GET", .path = "/nba"}},
       .summary = "Next best actions by priority, then most recently updated",
       .example = "labctl nba list --status proposed --limit 10",
       .params = {status_filter(intel::kActionStatuses), list_limit()},
       .scope = Scope::required,
       .rows = "items",
       .columns = kActionColumns,
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         pqxx::read_transaction tx(ctx.conn());
         return {{"items", intel::list_actions(tx, scope.project_id, scope.account_scope_id,
                                               {p.opt_str("status"), p.integer("limit")})}};
       }},
      {.name = "nba.set_status",
       .cli_path = {"nba", "set-status"},
       .routes = {{.method = "POST", .path = "/nba/:id/status"}},
       .summary = "Accept, dismiss, finish or cancel a next best action",
       .example = "labctl nba set-status 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --status done",
       .params = {new_status(intel::kActionStatuses), row_id("action")},
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "nba.status_update", .entity_type = "next_best_action", .entity = "id"},
       .rows = "item",
       .columns = kActionColumns,
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         pqxx::work tx(ctx.conn());
         auto item = intel::set_action_status(tx, scope.project_id, scope.account_scope_id, p.str("id"), p.str("status"));
         tx.commit();
         return {{"item", item}};
       }},
  };
}

}  // namespace labctl::ops
