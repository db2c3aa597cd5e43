// projects list | create | show, and a session's project choice (POST /projects/:id/select)
#include "labctl/domains/auth/project_access.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {

std::vector<Operation> project_operations() {
  const std::vector<std::string> columns = {"id", "name", "account_scope_id", "created_at"};
  return {
      {.name = "projects.list",
       .cli_path = {"projects", "list"},
       .routes = {{.method = "GET", .path = "/projects"}},
       .summary = "List projects, newest first (over HTTP: those the caller may reach)",
       .example = "labctl projects list --output csv",
       .rows = "projects",
       .columns = columns,
       .handler = [](Context& ctx, const Params&) -> json {
         json active = nullptr, scope = nullptr;
         if (ctx.project_id) {
           active = *ctx.project_id;
           scope = ctx.scope().account_scope_id;
         }
         return {{"projects", auth::reachable_projects(ctx.conn(), ctx.caller.reach())},
                 {"active_project_id", active},
                 {"account_scope_id", scope}};
       }},
      {.name = "projects.select",
       .routes = {{.method = "POST", .path = "/projects/:id/select"}},
       .summary = "Make a project the session's active project (an API key's project is fixed: no change)",
       .example = "curl -b jar -H 'x-csrf-token: …' -X POST localhost:8080/projects/ID/select",
       .params = {{.name = "id", .type = ParamType::uuid, .help = "project id", .required = true,
                   .invalid_code = "invalid_uuid"}},
       .mutating = true,
       .audit = {.action = "project.select", .entity_type = "project", .entity = "/project/id",
                 .project = "/project/id", .payload = [](const Params&, const json&) { return json::object(); }},
       .handler = [](Context& ctx, const Params& p) -> json {
         std::string id = p.str("id");
         if (ctx.caller.key) id = ctx.caller.key->project_id;  // keys: a no-op (api.md §4.1)
         auto project = projects::get(ctx.conn(), id);
         if (!auth::reaches(ctx.conn(), ctx.caller.reach(), project.id) && !ctx.caller.key)
           throw Error(ErrorClass::forbidden, "project_access_denied", "You have no access to this project");
         if (ctx.caller.session) auth::set_active_project(ctx.conn(), ctx.caller.session->session_id, project.id);
         ctx.select_project(project.id);
         return {{"active_project_id", project.id},
                 {"project", {{"id", project.id}, {"name", project.name}, {"account_scope_id", project.account_scope_id}}}};
       }},
      {.name = "projects.create",
       .cli_path = {"projects", "create"},
       .routes = {{.method = "POST", .path = "/projects", .success_status = 201}},
       .summary = "Create a project (in the `default` account scope unless a scope key is given)",
       .example = "labctl projects create 'Acme website' --account-scope-key acme",
       .params = {{.name = "name", .help = "project name, 2 to 160 characters", .min = 2, .max = 160,
                   .required = true, .positional = true, .metavar = "NAME"},
                  {.name = "account_scope_key", .help = "account scope to create the project in (upserted)",
                   .max = 200, .lowercased = true, .metavar = "KEY"},
                  {.name = "account_scope_name", .help = "name for a new account scope", .max = 160,
                   .metavar = "NAME"}},
       .mutating = true,
       .permission = "project.create",
       .audit = {.action = "project.create",
                 .entity_type = "project",
                 .entity = "/project/id",
                 .project = "/project/id",
                 .payload = [](const Params&, const json& r) -> json {
                   return {{"name", r["project"]["name"]}, {"account_scope_id", r["project"]["account_scope_id"]}};
                 }},
       .rows = "project",
       .columns = columns,
       .handler = [](Context& ctx, const Params& p) -> json {
         return {{"project", projects::create(ctx.conn(), {p.str("name"), p.opt_str("account_scope_key"),
                                                           p.opt_str("account_scope_name")})}};
       }},
      {.name = "projects.show",
       .cli_path = {"projects", "show"},
       .summary = "Show one project",
       .example = "labctl projects show 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b --output json",
       .params = {{.name = "id", .type = ParamType::uuid, .help = "project id", .required = true,
                   .positional = true, .metavar = "ID", .invalid_code = "invalid_uuid"}},
       .rows = "project",
       .columns = {"id", "name", "account_scope_id", "created_at", "phase"},
       .handler = [](Context& ctx, const Params& p) -> json {
         return {{"project", projects::get(ctx.conn(), p.str("id"))}};
       }},
  };
}

}  // namespace labctl::ops
