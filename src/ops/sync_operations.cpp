// sync CONNECTOR|all (also POST /connectors/sync, /connectors/:connector/sync and the job
// route /jobs/:connector/sync); connectors retry (POST /connectors/errors/retry).
#include <set>

#include "labctl/core/error.hpp"
#include "labctl/db/database.hpp"
#include "labctl/domains/connectors/connector_sync.hpp"
#include "labctl/domains/connectors/connector_table.hpp"
#include "labctl/domains/connectors/error_queue.hpp"
#include "labctl/domains/connectors/source_bindings.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

using connectors::SyncOptions;

// One connector, or all three, for the project: the shape of a cycle either way ({total, ok,
// failed, results[]}). One connector's failure is thrown; in a cycle it is a failed result.
json sync(Context& ctx, const Params& p) {
  auto scope = ctx.scope();
  const std::string connector = p.str("connector");
  SyncOptions options{.full = p.boolean("full"), .progress = ctx.progress, .deadline = ctx.deadline};
  connectors::SyncCycle cycle;
  if (connector == "all") {
    cycle = connectors::run_all_connectors(ctx.database, scope.project_id, scope.account_scope_id, ctx.config, options);
  } else {
    cycle.results.push_back({connector, connectors::run_connector_sync(ctx.database, ctx.conn(), scope.project_id,
                                                                       scope.account_scope_id, connector, ctx.config,
                                                                       options)});
  }
  ctx.data_changed(scope.project_id);
  json out = cycle;
  if (connector != "all") out.erase("reconciliation");
  return out;
}

// --all-projects: each project bound to the connector (to any, for `all`), once.
std::vector<ProjectRef> bound_projects(Context& ctx, const Params& p) {
  const std::string connector = p.str("connector");
  std::vector<ProjectRef> out;
  std::set<std::string> seen;  // a project has up to three bindings (and names need not be unique)
  for (const auto& b : connectors::list_bindings(ctx.conn(), std::nullopt))
    if ((connector == "all" || b.connector == connector) && seen.insert(b.project_id).second)
      out.push_back({b.project_id, b.project_name});
  if (out.empty())
    throw Error(ErrorClass::not_found, "no_bound_projects",
                "no project is bound to " + (connector == "all" ? std::string("any source") : connector) +
                    " (see 'labctl sources bind')");
  return out;
}

// A failed connector makes the command fail with the exit code of its error's class.
int sync_exit_code(const json& result) {
  for (const auto& row : result.value("results", json::array()))
    if (row.value("status", "") == "failed") {
      auto cls = class_from_name(row.value("error_class", ""));
      return exit_code(cls.value_or(ErrorClass::upstream_failed));
    }
  return 0;
}

std::string partial_if_failed(const json& result) { return result.value("failed", 0) > 0 ? "partial" : "ok"; }

}  // namespace

std::vector<Operation> sync_operations() {
  std::vector<std::string> choices = connectors::connector_names();
  const std::vector<std::string> one = choices;
  choices.push_back("all");
  return {
      {.name = "sync",
       .cli_path = {"sync"},
       .routes = {{.method = "POST", .path = "/connectors/sync", .fixed = {{"connector", "all"}}, .wrap = "result",
                   .limit = RouteLimit::expensive},
                  {.method = "POST",
                   .path = "/connectors/:connector/sync",
                   .choices = {{"connector", one}},
                   .pick = "/results/0",
                   .wrap = "result",
                   .limit = RouteLimit::expensive,
                   .errors = {{.when = ErrorClass::conflict, .keep = true},
                              {.as = ErrorClass::internal, .code = "connector_sync_failed"}}},
                  {.method = "POST",
                   .path = "/jobs/:connector/sync",
                   .choices = {{"connector", one}},
                   .pick = "/results/0",
                   .wrap = "result",
                   .audit = "job.{connector}_sync",
                   .limit = RouteLimit::expensive,
                   .job = Job{"{connector}_sync", "/results/0/processed"},
                   .errors = {{.when = ErrorClass::conflict, .as = ErrorClass::conflict,
                               .code = "{connector}_source_binding_error"},
                              {.as = ErrorClass::internal, .code = "{connector}_sync_failed"}}}},
       .summary = "Pull new data from Chatwoot, Linear and Attio into the database (incremental; --full for everything)",
       .example = "labctl sync all --all-projects",
       .params = {{.name = "connector", .type = ParamType::choice, .help = "chatwoot, linear, attio or all",
                   .choices = choices, .required = true, .positional = true, .metavar = "CONNECTOR",
                   .invalid_code = "unsupported_connector"},
                  {.name = "full", .type = ParamType::boolean,
                   .help = "ignore cursors and per-run caps: take a complete snapshot", .default_value = false}},
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "connectors.sync_one",
                 .entity_type = "connector",
                 .when = {{"connector=all", "connectors.sync_all"}},
                 .payload = [](const Params& p, const json& r) -> json {
                   return {{"connector", p.str("connector")}, {"total", r["total"]}, {"ok", r["ok"]},
                           {"failed", r["failed"]}};
                 },
                 .status = partial_if_failed},
       .all_projects = bound_projects,
       .rows = "results",
       .columns = {"project_name", "connector", "status", "changed", "duration_ms", "error"},
       .exit_code = sync_exit_code,
       .handler = sync},
      {.name = "connectors.retry",
       .cli_path = {"connectors", "retry"},
       .routes = {{.method = "POST", .path = "/connectors/errors/retry", .wrap = "result"}},
       .summary = "Retry the due connector errors now (or, with --id, one dead letter)",
       .example = "labctl connectors retry --id 42 --project 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b",
       .params = {{.name = "limit", .type = ParamType::integer, .help = "at most this many due errors",
                   .default_value = 20, .min = 1, .max = 500, .out_of_range = OutOfRange::clamp},
                  {.name = "id", .type = ParamType::integer,
                   .help = "a dead-lettered error: put it back in the queue and retry its connector now", .min = 1,
                   .invalid_code = "invalid_id"}},
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "connectors.retry_errors",
                 .entity_type = "connector",
                 .payload = [](const Params&, const json& r) -> json {
                   return {{"due", r["due"]}, {"succeeded", r["succeeded"]}, {"failed", r["failed"]}};
                 },
                 .status = partial_if_failed},
       .rows = "retried",
       .columns = {"id", "connector", "status", "error"},
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         std::optional<long long> only;
         if (p.has("id")) {
           only = p.integer("id");
           connectors::retry_dead_letter(ctx.conn(), scope.project_id, *only);
         }
         // The service caps a pass at 200 (api.md §4.2).
         return connectors::retry_due_errors(ctx.database, ctx.conn(), scope.project_id, scope.account_scope_id, ctx.config,
                                             static_cast<int>(std::min<long long>(p.integer("limit"), 200)), only);
       }},
  };
}

}  // namespace labctl::ops
