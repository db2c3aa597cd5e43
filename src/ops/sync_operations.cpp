// sync CONNECTOR|all; connectors retry; the serve routes that run syncs:
// /connectors/sync, /connectors/:name/sync, /connectors/errors/retry, /jobs/<name>/sync.
#include <set>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/db/database.hpp"
#include "labctl/domains/audit/audit_log.hpp"
#include "labctl/domains/connectors/connector_sync.hpp"
#include "labctl/domains/connectors/error_queue.hpp"
#include "labctl/domains/connectors/source_bindings.hpp"
#include "labctl/domains/jobs/job_runs.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

using connectors::SyncOptions;

void audit(Context& ctx, const std::string& project_id, const std::string& action, const std::string& status,
           const json& payload) {
  pqxx::work tx(ctx.conn());
  audit::write(tx, {.project_id = project_id, .actor_username = ctx.actor, .action = action,
                    .entity_type = "connector", .entity_id = project_id, .status = status,
                    .request_id = ctx.request_id, .payload = payload});
  tx.commit();
}

const Error* as_error(const std::exception& e) { return dynamic_cast<const Error*>(&e); }

// Rows changed by a pull: its touched_*, chunk and mirror counters.
long long changed_rows(const json& result) {
  long long n = 0;
  for (const auto& [key, value] : result.items())
    if (value.is_number_integer() &&
        (key.starts_with("touched_") || key.starts_with("mirrored_crm_") || key.ends_with("_chunks")))
      n += value.get<long long>();
  return n;
}

// One line per (project, connector) for the CLI table.
json run_row(const std::string& project_id, const std::string& project_name, const json& outcome) {
  json row = {{"project_id", project_id}, {"project_name", project_name}, {"connector", outcome["connector"]},
              {"status", outcome.value("status", "ok")}, {"duration_ms", outcome.value("duration_ms", json())}};
  if (outcome.contains("result")) {
    row["changed"] = changed_rows(outcome["result"]);
    row["result"] = outcome["result"];
  }
  for (const char* key : {"error", "error_code"})
    if (outcome.contains(key)) row[key] = outcome[key];
  return row;
}

struct Target {
  std::string project_id, project_name;
};

// --all-projects: every project with a binding for the connector (any, for `all`).
std::vector<Target> targets(Context& ctx, const std::string& connector, bool all_projects) {
  if (!all_projects) {
    if (!ctx.project_id)
      throw Error(ErrorClass::conflict, "active_project_required",
                  "sync needs a project: pass --project ID or --all-projects");
    auto scope = ctx.scope();
    pqxx::read_transaction tx(ctx.conn());
    return {{scope.project_id, tx.exec_params1("SELECT name FROM projects WHERE id = $1", scope.project_id)[0].c_str()}};
  }
  std::vector<Target> out;
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

std::string scope_of(Context& ctx, const std::string& project_id) {
  pqxx::read_transaction tx(ctx.conn());
  return tx.exec_params1("SELECT account_scope_id FROM projects WHERE id = $1", project_id)[0].c_str();
}

json sync_command(Context& ctx, const Params& p) {
  const std::string connector = p.str("connector");
  SyncOptions options{.full = p.boolean("full"), .progress = ctx.progress};
  json runs = json::array();
  size_t failed = 0;
  for (const auto& target : targets(ctx, connector, p.boolean("all_projects"))) {
    const std::string scope = scope_of(ctx, target.project_id);
    if (connector == "all") {
      json all = connectors::run_all_connectors([&] { return ctx.database.connect(); }, target.project_id, scope,
                                                ctx.config, options);
      for (const auto& outcome : all["results"]) runs.push_back(run_row(target.project_id, target.project_name, outcome));
      failed += all["failed"].get<size_t>();
      audit(ctx, target.project_id, "connectors.sync_all", all["failed"] > 0 ? "partial" : "ok",
            {{"total", all["total"]}, {"ok", all["ok"]}, {"failed", all["failed"]}});
      continue;
    }
    json outcome;
    try {
      outcome = connectors::run_connector_sync(ctx.conn(), target.project_id, scope, connector, ctx.config, options);
      outcome["status"] = "ok";
    } catch (const std::exception& e) {
      if (!p.boolean("all_projects")) throw;  // one project: the error is the answer, with its exit code
      outcome = {{"connector", connector}, {"status", "failed"}, {"error", e.what()}};
      if (const auto* err = as_error(e)) outcome["error_code"] = err->code();
      ++failed;
    }
    runs.push_back(run_row(target.project_id, target.project_name, outcome));
    audit(ctx, target.project_id, "connectors.sync_one", outcome["status"] == "ok" ? "ok" : "failed",
          {{"connector", connector}});
  }
  return {{"total", runs.size()}, {"ok", runs.size() - failed}, {"failed", failed}, {"runs", runs}};
}

// A failed connector makes the command fail with the exit code of its error class.
int sync_exit_code(const json& result) {
  if (result.value("failed", 0) == 0) return 0;
  for (const auto& run : result["runs"])
    if (run["status"] == "failed") {
      std::string code = run.value("error_code", "");
      if (code.find("_source_") != std::string::npos) return exit_code(ErrorClass::conflict);
      if (code == "config_error" || code.find("_missing_") != std::string::npos) return exit_code(ErrorClass::config);
      return exit_code(ErrorClass::upstream_failed);
    }
  return 0;
}

// What one connector run did, for job_runs.processed_count.
long long processed_count(const std::string& connector, const json& result) {
  if (connector == "chatwoot") return result.value("processed_messages", 0LL);
  if (connector == "linear") return result.value("touched_projects", 0LL) + result.value("touched_issues", 0LL);
  return result.value("touched_accounts", 0LL) + result.value("touched_opportunities", 0LL);
}

// POST /jobs/<name>/sync: a job_runs row around the sync; binding errors → 409
// <name>_source_binding_error, any other failure → 500 <name>_sync_failed.
json sync_job(Context& ctx, const std::string& connector) {
  auto scope = ctx.scope();
  long long run = jobs::start_run(ctx.conn(), scope.project_id, connector + "_sync");
  try {
    json outcome =
        connectors::run_connector_sync(ctx.conn(), scope.project_id, scope.account_scope_id, connector, ctx.config, {});
    jobs::finish_run(ctx.conn(), run, processed_count(connector, outcome["result"]), outcome);
    ctx.data_changed(scope.project_id);
    audit(ctx, scope.project_id, "job." + connector + "_sync", "ok", {{"job_run_id", run}});
    return {{"result", outcome}};
  } catch (const std::exception& e) {
    jobs::fail_run(ctx.conn(), run, e.what());
    audit(ctx, scope.project_id, "job." + connector + "_sync", "failed", {{"job_run_id", run}});
    std::string label = connector == "chatwoot" ? "chatwoot_source_" : connector + "_workspace_source_";
    const auto* err = as_error(e);
    if (err && err->code().starts_with(label))
      throw Error(ErrorClass::conflict, connector + "_source_binding_error", e.what());
    throw Error(ErrorClass::internal, connector + "_sync_failed", e.what());
  }
}

Operation job_operation(const std::string& connector) {
  return {.name = "jobs." + connector + "_sync",
          .http = HttpRoute{"POST", "/jobs/" + connector + "/sync"},
          .summary = "Run the " + connector + " sync as a recorded job (job_runs)",
          .example = "curl -s -XPOST localhost:8080/jobs/" + connector + "/sync",
          .project_scoped = true,
          .mutating = true,
          .handler = [connector](Context& ctx, const Params&) -> json { return sync_job(ctx, connector); }};
}

}  // namespace

std::vector<Operation> sync_operations() {
  std::vector<std::string> choices = connectors::connector_names();
  choices.push_back("all");
  std::vector<Operation> ops = {
      {.name = "sync",
       .cli_path = {"sync"},
       .summary = "Pull new data from Chatwoot, Linear and Attio into the database (incremental; --full for everything)",
       .example = "labctl sync all --all-projects",
       .params = {{.name = "connector", .type = ParamType::choice, .help = "chatwoot, linear, attio or all",
                   .choices = choices, .required = true, .positional = true, .metavar = "CONNECTOR"},
                  {.name = "full", .type = ParamType::boolean,
                   .help = "ignore cursors and per-run caps: take a complete snapshot", .default_value = false},
                  {.name = "all_projects", .type = ParamType::boolean,
                   .help = "every project bound to the connector, instead of --project", .default_value = false}},
       .mutating = true,
       .rows = "runs",
       .columns = {"project_name", "connector", "status", "changed", "duration_ms", "error"},
       .exit_code = sync_exit_code,
       .handler = sync_command},
      {.name = "connectors.sync_all",
       .http = HttpRoute{"POST", "/connectors/sync"},
       .summary = "Sync the three connectors of the project concurrently; one failing never stops the others",
       .example = "curl -s -XPOST localhost:8080/connectors/sync",
       .project_scoped = true,
       .mutating = true,
       .handler = [](Context& ctx, const Params&) -> json {
         auto scope = ctx.scope();
         json result = connectors::run_all_connectors([&] { return ctx.database.connect(); }, scope.project_id,
                                                      scope.account_scope_id, ctx.config, {});
         ctx.data_changed(scope.project_id);
         audit(ctx, scope.project_id, "connectors.sync_all", result["failed"] > 0 ? "partial" : "ok",
               {{"total", result["total"]}, {"ok", result["ok"]}, {"failed", result["failed"]}});
         return {{"result", result}};
       }},
      {.name = "connectors.sync_one",
       .http = HttpRoute{"POST", "/connectors/:name/sync"},
       .summary = "Sync one connector of the project",
       .example = "curl -s -XPOST localhost:8080/connectors/linear/sync",
       .params = {{.name = "name", .help = "chatwoot, linear or attio", .required = true, .positional = true}},
       .project_scoped = true,
       .mutating = true,
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         const std::string name = p.str("name");
         connectors::source_kind(name);  // 400 unsupported_connector before anything is written
         try {
           json outcome = connectors::run_connector_sync(ctx.conn(), scope.project_id, scope.account_scope_id, name,
                                                         ctx.config, {});
           ctx.data_changed(scope.project_id);
           audit(ctx, scope.project_id, "connectors.sync_one", "ok", {{"connector", name}});
           return {{"result", outcome}};
         } catch (const std::exception& e) {
           audit(ctx, scope.project_id, "connectors.sync_one", "failed", {{"connector", name}});
           const auto* err = as_error(e);
           if (err && err->error_class() == ErrorClass::conflict) throw;
           throw Error(ErrorClass::internal, "connector_sync_failed", e.what());
         }
       }},
      {.name = "connectors.retry",
       .cli_path = {"connectors", "retry"},
       .http = HttpRoute{"POST", "/connectors/errors/retry"},
       .summary = "Retry the due connector errors now (or, with --id, one dead letter)",
       .example = "labctl connectors retry --id 42 --project 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b",
       .params = {{.name = "limit", .type = ParamType::integer, .help = "at most this many due errors",
                   .default_value = 20, .min = 1, .max = 500, .out_of_range = OutOfRange::clamp},
                  {.name = "id", .type = ParamType::integer,
                   .help = "a dead-lettered error: put it back in the queue and retry its connector now", .min = 1}},
       .project_scoped = true,
       .mutating = true,
       .rows = "result.retried",
       .columns = {"id", "connector", "status", "error"},
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         std::optional<long long> only;
         if (p.has("id")) {
           only = p.integer("id");
           connectors::retry_dead_letter(ctx.conn(), scope.project_id, *only);
         }
         json result = connectors::retry_due_errors(ctx.conn(), scope.project_id, scope.account_scope_id, ctx.config,
                                                    static_cast<int>(std::min<long long>(p.integer("limit"), 200)), only);
         audit(ctx, scope.project_id, "connectors.retry_errors", result["failed"] > 0 ? "partial" : "ok",
               {{"due", result["due"]}, {"succeeded", result["succeeded"]}, {"failed", result["failed"]}});
         return {{"result", result}};
       }},
  };
  for (const auto& name : connectors::connector_names()) ops.push_back(job_operation(name));
  return ops;
}

}  // namespace labctl::ops
