// sources list | bind | unbind; connectors state | errors | retry (dead letters)
#include "labctl/domains/connectors/connector_table.hpp"
#include "labctl/domains/connectors/error_queue.hpp"
#include "labctl/domains/connectors/source_bindings.hpp"
#include "labctl/domains/connectors/sync_state.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

Param connector_param() {
  return {.name = "connector", .type = ParamType::choice, .help = "chatwoot, linear or attio",
          .choices = connectors::connector_names(), .required = true, .positional = true, .metavar = "CONNECTOR",
          .invalid_code = "unsupported_connector"};
}

const std::vector<std::string> kErrorColumns = {"id", "connector", "status", "attempt", "next_retry_at",
                                                "error_kind", "error_message"};

json list_errors(Context& ctx, const Params& p, bool dead_letters) {
  auto status = dead_letters ? std::optional<std::string>("dead_letter") : p.opt_str("status");
  return {{"errors", connectors::list_errors(ctx.conn(), ctx.scope().project_id, status,
                                             static_cast<int>(p.integer("limit")))}};
}

json retry_dead_letter(Context& ctx, long long id) {
  return {{"error", connectors::retry_dead_letter(ctx.conn(), ctx.scope().project_id, id)}};
}

}  // namespace

std::vector<Operation> connector_operations() {
  return {
      {.name = "sources.list",
       .cli_path = {"sources", "list"},
       .summary = "List which Chatwoot account / Linear workspace / Attio workspace feeds which project",
       .example = "labctl sources list --output json",
       .scope = Scope::optional,
       .rows = "sources",
       .columns = {"project_name", "connector", "external_id", "project_id", "created_at"},
       .handler = [](Context& ctx, const Params&) -> json {
         return {{"sources", connectors::list_bindings(ctx.conn(), ctx.project_id)}};
       }},
      {.name = "sources.bind",
       .cli_path = {"sources", "bind"},
       .summary = "Bind a project to a Chatwoot account, Linear workspace or Attio workspace",
       .example = "labctl sources bind chatwoot 101 --project 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b",
       .params = {connector_param(),
                  {.name = "external_id", .help = "the account or workspace id in the source", .min = 1, .max = 200,
                   .required = true, .positional = true, .metavar = "EXTERNAL_ID"}},
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "source.bind", .entity_type = "project_source", .entity = "connector"},
       .rows = "source",
       .columns = {"project_name", "connector", "external_id", "project_id", "created_at"},
       .handler = [](Context& ctx, const Params& p) -> json {
         return {{"source", connectors::bind_source(ctx.conn(), ctx.scope().project_id, p.str("connector"),
                                             p.str("external_id"))}};
       }},
      {.name = "sources.unbind",
       .cli_path = {"sources", "unbind"},
       .summary = "Remove a project's binding; the synced data stays",
       .example = "labctl sources unbind linear --project 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b",
       .params = {connector_param()},
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "source.unbind", .entity_type = "project_source", .entity = "connector"},
       .handler = [](Context& ctx, const Params& p) -> json {
         return {{"unbound", connectors::unbind_source(ctx.conn(), ctx.scope().project_id, p.str("connector"))}};
       }},
      {.name = "connectors.state",
       .cli_path = {"connectors", "state"},
       .routes = {{.method = "GET", .path = "/connectors/state"}},
       .summary = "Each connector's sync state: status, cursor, last success, retry count, last error",
       .example = "labctl connectors state --project 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b",
       .scope = Scope::required,
       .rows = "connectors",
       .columns = {"connector", "status", "cursor_ts", "last_success_at", "retry_count", "last_error"},
       .handler = [](Context& ctx, const Params&) -> json {
         return {{"connectors", connectors::list_states(ctx.conn(), ctx.scope().project_id)}};
       }},
      {.name = "connectors.errors",
       .cli_path = {"connectors", "errors"},
       .routes = {{.method = "GET", .path = "/connectors/errors"}},
       .summary = "Connector errors, newest first (the retry queue and its dead letters)",
       .example = "labctl connectors errors --dead-letter --project 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b",
       .params = {{.name = "status", .type = ParamType::choice, .help = "only errors in this status",
                   .choices = {"pending", "retrying", "dead_letter", "resolved"}},
                  {.name = "dead_letter", .type = ParamType::boolean, .help = "only dead letters (same as --status dead_letter)",
                   .default_value = false},
                  {.name = "limit", .type = ParamType::integer, .help = "at most this many", .default_value = 100,
                   .min = 1, .max = 500, .out_of_range = OutOfRange::clamp}},
       .scope = Scope::required,
       .rows = "errors",
       .columns = kErrorColumns,
       .handler = [](Context& ctx, const Params& p) -> json { return list_errors(ctx, p, p.boolean("dead_letter")); }},
      {.name = "connectors.dead_letters",
       .routes = {{.method = "GET", .path = "/connectors/errors/dead-letter"}},
       .summary = "Dead-lettered connector errors, newest first",
       .example = "curl -s localhost:8080/connectors/errors/dead-letter?limit=20",
       .params = {{.name = "limit", .type = ParamType::integer, .help = "at most this many", .default_value = 50,
                   .min = 1, .max = 500, .out_of_range = OutOfRange::clamp}},
       .scope = Scope::required,
       .rows = "errors",
       .columns = kErrorColumns,
       .handler = [](Context& ctx, const Params& p) -> json { return list_errors(ctx, p, true); }},
      {.name = "connectors.dead_letter_retry",
       .routes = {{.method = "POST", .path = "/connectors/errors/dead-letter/:id/retry"}},
       .summary = "Put a dead-lettered error back in the queue: pending, attempt 0, due now",
       .example = "curl -s -XPOST localhost:8080/connectors/errors/dead-letter/42/retry",
       .params = {{.name = "id", .type = ParamType::integer, .help = "connector error id", .min = 1,
                   .required = true, .positional = true, .metavar = "ID", .invalid_code = "invalid_id"}},
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "connector_error.dead_letter_retry", .entity_type = "connector_error", .entity = "id"},
       .rows = "error",
       .columns = kErrorColumns,
       .handler = [](Context& ctx, const Params& p) -> json { return retry_dead_letter(ctx, p.integer("id")); }},
  };
}

}  // namespace labctl::ops
