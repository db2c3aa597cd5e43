#include "labctl/ops/dispatch.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

#include "labctl/core/error.hpp"
#include "labctl/core/metrics.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/domains/audit/audit_log.hpp"
#include "labctl/domains/auth/account_scope.hpp"
#include "labctl/domains/auth/roles.hpp"
#include "labctl/domains/events/live_events.hpp"
#include "labctl/domains/jobs/job_runs.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "labctl/ops/authentication.hpp"
#include "labctl/ops/rate_limits.hpp"

namespace labctl::ops {
namespace {

std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.is_null() ? "" : v.dump();
}

// Any failure as the Error a front end reports. Database errors keep only their SQLSTATE: their
// text can quote row data (api.md §1.4: no SQL in answers), so the log gets the statement instead.
Error as_error(const std::exception& e, const Operation& op) {
  if (const auto* err = dynamic_cast<const Error*>(&e)) return *err;
  if (dynamic_cast<const pqxx::broken_connection*>(&e))
    return Error(ErrorClass::unavailable, "db_unavailable", "database unavailable");
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    spdlog::error("{}: database error {} in: {}", op.name, sql->sqlstate(), sql->query().substr(0, 200));
    return internal_error("internal error (database error " + sql->sqlstate() + ")");
  }
  spdlog::error("{}: {}", op.name, e.what());
  return internal_error("internal error");
}

// The route's answer to a failure (its wire codes); a database outage is always a 503.
Error answered(const HttpRoute* route, const Error& e, const Params& p) {
  if (!route || e.error_class() == ErrorClass::unavailable) return e;
  for (const auto& rule : route->errors) {
    if (rule.when && *rule.when != e.error_class()) continue;
    if (rule.keep) return e;
    return Error(rule.as, expand(rule.code, p), e.what(), e.details());
  }
  return e;
}

std::string audit_action(const Operation& op, const HttpRoute* route, const Params& p) {
  if (route && !route->audit.empty()) return expand(route->audit, p);
  for (const auto& [condition, action] : op.audit.when) {
    auto eq = condition.find('=');
    if (value_text(p.all().value(condition.substr(0, eq), json())) == condition.substr(eq + 1))
      return expand(action, p);
  }
  return expand(op.audit.action, p);
}

const json* at_pointer(const json& result, const std::string& pointer) {
  if (pointer.empty() || pointer[0] != '/') return nullptr;
  json::json_pointer ptr(pointer);
  return result.contains(ptr) ? &result.at(ptr) : nullptr;
}

// What one run writes to audit_events: best effort, in its own transaction, after the run. A
// row that cannot be written is logged (with the action and the code, never the payload).
struct AuditRun {
  Context& ctx;
  const Operation& op;
  const std::string& action;
  const Params& params;
  std::optional<long long> job_run;

  void write(const json* result, const Error* failure) {
    if (action.empty()) return;
    std::string project;
    if (!op.audit.project.empty()) {
      json v = op.audit.project[0] != '/' ? params.all().value(op.audit.project, json())
               : result && at_pointer(*result, op.audit.project) ? *at_pointer(*result, op.audit.project)
                                                                  : json();
      if (!v.is_string()) return;  // nothing happened in a project (already assigned, failed before)
      project = v.get<std::string>();
    } else if (ctx.project_id) {  // the run's scope, or the caller's active project (users, keys)
      try {
        project = ctx.scope().project_id;
      } catch (const Error&) {
        return;
      }
    }
    if (project.empty()) return;  // no project, no audit_events row (the schema requires one)
    std::string entity = project;
    if (!op.audit.entity.empty()) {
      json v = op.audit.entity[0] != '/' ? params.all().value(op.audit.entity, json())
               : result && at_pointer(*result, op.audit.entity) ? *at_pointer(*result, op.audit.entity)
                                                                : json();
      if (!v.is_null()) entity = value_text(v);
    }
    json payload = json::object();
    if (op.audit.payload && result) {
      payload = op.audit.payload(params, *result);
    } else {
      for (const auto& p : op.params)  // passwords never
        if (p.type != ParamType::password && params.has(p.name)) payload[p.name] = params.all()[p.name];
    }
    if (job_run) payload["job_run_id"] = *job_run;
    if (failure) payload["error_code"] = failure->code();
    std::string status = failure ? "failed" : op.audit.status && result ? op.audit.status(*result) : "ok";
    try {
      pqxx::work tx(ctx.conn());
      audit::write(tx, {.project_id = project, .actor_username = ctx.caller.actor,
                        .actor_user_id = ctx.caller.user_id, .action = action,
                        .entity_type = op.audit.entity_type, .entity_id = entity, .status = status,
                        .request_id = ctx.request_id, .payload = payload});
      tx.commit();
    } catch (const std::exception& e) {
      spdlog::error("audit {} ({}) not recorded: {}", action, status, as_error(e, op).code());
    }
  }
};

json shaped(const HttpRoute* route, json result) {
  if (!route) return result;
  if (!route->pick.empty()) {
    const json* part = at_pointer(result, route->pick);
    result = part ? *part : json();
  }
  if (!route->wrap.empty()) return json{{route->wrap, std::move(result)}};
  return result;
}

// api.md §1.7: credentials, CSRF or write scope, permission, project access, in that order.
// The operation's or_self parameter names the caller's own user (GET /users/:id for oneself).
bool own_record(const Operation& op, const Caller& caller, const json& input) {
  if (op.or_self.empty() || !caller.user_id || !input.is_object()) return false;
  const json& v = input.value(op.or_self, json());
  return v.is_string() && to_lower(v.get<std::string>()) == *caller.user_id;
}

void check_caller(const Operation& op, const Context& ctx, const json& input) {
  const Caller& caller = ctx.caller;
  if (!op.is_public && !caller.authenticated()) throw Error(ErrorClass::unauthorized, "unauthorized", "Unauthorized");
  if (op.session_only && caller.via == Caller::Via::api_key)
    throw Error(ErrorClass::forbidden, "forbidden", "API keys cannot do this; log in");
  if (op.mutating && caller.refuse_mutation) throw *caller.refuse_mutation;
  if (!op.permission.empty() && !auth::role_allows(caller.role, op.permission) && !own_record(op, caller, input))
    throw Error(ErrorClass::forbidden, auth::denial_code(op.permission),
                "the " + caller.role + " role does not have the " + op.permission + " permission");
  if (caller.project_denied)
    throw Error(ErrorClass::forbidden, "project_access_denied", "You have no access to the active project");
}

// The ids a portfolio request names (api.md §3): its project_ids and project_id parameters.
std::vector<std::string> named_projects(const Params& params) {
  std::vector<std::string> ids;
  const json& all = params.all();
  for (const auto& item : all.value("project_ids", json::array()))
    if (item.is_string()) ids.push_back(item.get<std::string>());
  if (all.contains("project_id") && all["project_id"].is_string()) ids.push_back(all["project_id"].get<std::string>());
  return ids;
}

// The project scope the operation declares; a missing project answered as the operation says.
void resolve_scope(const Operation& op, Context& ctx, const Params& params) {
  if (op.scope == Scope::account) {
    ctx.account_scope_id =
        ctx.project_id ? ctx.scope().account_scope_id : auth::account_scope_of(ctx.conn(), named_projects(params));
    if (!ctx.account_scope_id)
      throw Error(ErrorClass::conflict, "account_scope_required",
                  ctx.frontend == Frontend::cli ? "this command needs an account scope: pass --project ID or name "
                                                  "its projects (see 'labctl projects list')"
                                                : "Select an account scope first");
    return;
  }
  if (op.scope == Scope::none || (op.scope == Scope::optional && !ctx.project_id)) return;
  if (!ctx.project_id && !op.missing_project_code.empty() && ctx.frontend == Frontend::http)
    throw Error(ErrorClass::invalid_params, op.missing_project_code, "Select active project first");
  ctx.scope();
}

// The job a run is, for its job_completed event: the route's, or for the CLI the job route whose
// choices admit the parameters (sync chatwoot is chatwoot_sync; sync all is no one job).
const Job* job_of(const Operation& op, const HttpRoute* route, const Params& p) {
  if (route) return route->job ? &*route->job : nullptr;
  for (const auto& r : op.routes) {
    if (!r.job) continue;
    bool admitted = true;
    for (const auto& [param, values] : r.choices)
      admitted = admitted && std::find(values.begin(), values.end(), value_text(p.all().value(param, json()))) != values.end();
    if (admitted) return &*r.job;
  }
  return nullptr;
}

// api.md §5: every job run, however started, announces how it ended (never failing the run).
void announce(Context& ctx, const Job* job, const Params& p, bool ok) {
  if (!job || ctx.scheduled) return;
  try {
    auto scope = ctx.scope();
    bool sent = events::publish(ctx.conn(), {scope.project_id, scope.account_scope_id, expand(job->name, p), ok});
    ctx.metrics.inc(sent ? "app_redis_pubsub_publish_total" : "app_redis_pubsub_publish_failed_total");
  } catch (const std::exception&) {
    ctx.metrics.inc("app_redis_pubsub_publish_failed_total");
  }
}

}  // namespace

std::string expand(const std::string& text, const Params& params) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t open = text.find('{', i);
    size_t close = open == std::string::npos ? open : text.find('}', open);
    if (close == std::string::npos) {
      out.append(text, i);
      break;
    }
    out.append(text, i, open - i);
    out += value_text(params.all().value(text.substr(open + 1, close - open - 1), json()));
    i = close + 1;
  }
  return out;
}

json dispatch(const Operation& op, const HttpRoute* route, Context& ctx, const json& input) {
  limit_client(op, route, ctx);
  authenticate(op, ctx, input);  // before validation: a stranger learns nothing from it
  limit_caller(ctx);
  check_caller(op, ctx, input);
  limit_expensive(route, ctx);  // counts invalid requests too
  if (ctx.input_error) throw *ctx.input_error;
  Params params = validate(op, route, input, ctx.frontend, &ctx.config);
  resolve_scope(op, ctx, params);
  const std::string action = audit_action(op, route, params);
  AuditRun audit{ctx, op, action, params, std::nullopt};
  try {
    if (route && route->job) audit.job_run = jobs::start_run(ctx.conn(), ctx.scope().project_id, expand(route->job->name, params));
    json result = op.handler(ctx, params);
    if (audit.job_run) {
      const json* processed = at_pointer(result, route->job->processed);
      jobs::finish_run(ctx.conn(), *audit.job_run, processed && processed->is_number() ? processed->get<long long>() : 0,
                       result);
    }
    audit.write(&result, nullptr);
    announce(ctx, job_of(op, route, params), params, true);
    return shaped(route, std::move(result));
  } catch (const std::exception& e) {
    Error failure = as_error(e, op);
    if (audit.job_run) {
      try {
        jobs::fail_run(ctx.conn(), *audit.job_run, failure.what());
      } catch (const std::exception&) {
        spdlog::error("job run {} could not be marked failed", *audit.job_run);
      }
    }
    audit.write(nullptr, &failure);
    announce(ctx, job_of(op, route, params), params, false);
    throw answered(route, failure, params);
  }
}

json dispatch_per_project(const Operation& op, Context& ctx, json input) {
  const bool all = input.value("all_projects", false);
  input.erase("all_projects");
  std::vector<ProjectRef> targets;
  if (all) {
    targets = op.all_projects(ctx, validate(op, nullptr, input, ctx.frontend, &ctx.config));
  } else {
    if (!ctx.project_id)
      throw Error(ErrorClass::conflict, "active_project_required",
                  "this command needs a project: pass --project ID or --all-projects");
    auto scope = ctx.scope();
    targets.push_back({scope.project_id, projects::get(ctx.conn(), scope.project_id).name});
  }
  json rows = json::array();
  size_t failed = 0;
  for (const auto& target : targets) {
    ctx.select_project(target.id);
    auto named = [&](json row) {
      row["project_id"] = target.id;
      row["project_name"] = target.name;
      return row;
    };
    try {
      json result = dispatch(op, nullptr, ctx, input);
      for (auto& row : result.value(op.rows, json::array())) {
        failed += row.value("status", "") == "failed";
        rows.push_back(named(std::move(row)));
      }
    } catch (const Error& e) {
      if (!all) throw;
      json row = {{"status", "failed"}, {"error", e.what()}, {"error_code", e.code()},
                  {"error_class", class_name(e.error_class())}};
      for (const auto& p : op.params)
        if (p.positional && input.contains(p.name)) row[p.name] = input[p.name];
      ++failed;
      rows.push_back(named(std::move(row)));
    }
  }
  return {{"total", rows.size()}, {"ok", rows.size() - failed}, {"failed", failed}, {op.rows, rows}};
}

}  // namespace labctl::ops
