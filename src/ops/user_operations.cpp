// users list | show | create | update | delete and assignments list | add | remove (users.md).
// Every one needs user.manage (the owner's), but a user may read their own record.
#include "labctl/domains/auth/project_access.hpp"
#include "labctl/domains/auth/roles.hpp"
#include "labctl/domains/auth/users.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

Param user_id(const char* name = "id") {
  return {.name = name, .type = ParamType::uuid, .help = "the user's id", .required = true, .positional = true,
          .metavar = "USER", .invalid_code = "invalid_uuid"};
}

Param assigned_project() {
  return {.name = "project_id", .type = ParamType::uuid, .help = "the project", .required = true, .positional = true,
          .metavar = "PROJECT", .invalid_code = "invalid_uuid"};
}

Param role_param(json default_value) {
  return {.name = "role", .type = ParamType::choice, .help = "owner, pm, delivery_lead, executor or viewer",
          .default_value = std::move(default_value), .choices = auth::role_names()};
}

Param email_param() {
  return {.name = "email", .help = "e-mail address (unique whatever its case)", .max = 300};
}

const std::vector<std::string> kUserColumns = {"id", "username", "role", "email", "created_at", "updated_at"};

}  // namespace

std::vector<Operation> user_operations() {
  return {
      {.name = "users.list",
       .cli_path = {"users", "list"},
       .routes = {{.method = "GET", .path = "/users"}},
       .summary = "List users, oldest first, with how many projects each is assigned",
       .example = "labctl users list --output table",
       .permission = "user.manage",
       .rows = "users",
       .columns = {"id", "username", "role", "email", "project_count", "created_at"},
       .handler = [](Context& ctx, const Params&) -> json { return {{"users", auth::list_users(ctx.conn())}}; }},
      {.name = "users.show",
       .cli_path = {"users", "show"},
       .routes = {{.method = "GET", .path = "/users/:id"}},
       .summary = "One user and the projects assigned to them",
       .example = "labctl users show 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --output json",
       .params = {user_id()},
       .permission = "user.manage",
       .or_self = "id",
       .rows = "user",
       .columns = kUserColumns,
       .handler = [](Context& ctx, const Params& p) -> json {
         return {{"user", auth::get_user(ctx.conn(), p.str("id"))},
                 {"project_assignments", auth::user_projects(ctx.conn(), p.str("id"))}};
       }},
      {.name = "users.create",
       .cli_path = {"users", "create"},
       .routes = {{.method = "POST", .path = "/users", .success_status = 201}},
       .summary = "Create a user (bcrypt, cost 12); the password is read from a prompt or --password-stdin",
       .example = "labctl users create anna --role pm --email anna@example.com --password-stdin < password.txt",
       .params = {{.name = "username", .help = "login name, 2 to 200 characters (stored lower-cased)", .min = 2,
                   .max = 200, .required = true, .positional = true, .lowercased = true, .metavar = "USERNAME"},
                  {.name = "password", .type = ParamType::password, .help = "the password (8 to 200 characters)",
                   .min = 8, .max = 200, .required = true},
                  role_param("pm"),
                  email_param()},
       .mutating = true,
       .permission = "user.manage",
       .audit = {.action = "user.create", .entity_type = "user", .entity = "/user/id",
                 .payload = [](const Params&, const json& r) -> json {
                   return {{"username", r["user"]["username"]}, {"role", r["user"]["role"]}};
                 }},
       .rows = "user",
       .columns = kUserColumns,
       .handler = [](Context& ctx, const Params& p) -> json {
         return {{"user", auth::create_user(ctx.conn(), {p.str("username"), p.str("password"), p.str("role"),
                                                         p.opt_str("email")})}};
       }},
      {.name = "users.update",
       .cli_path = {"users", "update"},
       .routes = {{.method = "POST", .path = "/users/:id/update"}},
       .summary = "Change a user's role, e-mail (an empty one clears it) or password; ends their other sessions "
                  "when the role or password changes",
       .example = "labctl users update 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --role delivery_lead",
       .params = {user_id(), role_param(nullptr), email_param(),
                  {.name = "password", .type = ParamType::password, .help = "a new password (8 to 200 characters)",
                   .min = 8, .max = 200}},
       .mutating = true,
       .permission = "user.manage",
       .audit = {.action = "user.update", .entity_type = "user", .entity = "id",
                 .payload = [](const Params& p, const json& r) -> json {
                   json changes = json::array();
                   for (const char* f : {"role", "email", "password"})
                     if (p.named(f)) changes.push_back(f);
                   return {{"target_username", r["user"]["username"]}, {"changes", changes}};
                 }},
       .rows = "user",
       .columns = kUserColumns,
       .handler = [](Context& ctx, const Params& p) -> json {
         auth::UserChanges changes;
         changes.role = p.opt_str("role");
         if (p.named("email")) changes.email = p.opt_str("email");
         changes.password = p.opt_str("password");
         std::optional<std::string> keep;
         if (ctx.caller.session) keep = ctx.caller.session->session_id;
         return {{"user", auth::update_user(ctx.conn(), p.str("id"), changes, keep)}};
       }},
      {.name = "users.delete",
       .cli_path = {"users", "delete"},
       .routes = {{.method = "POST", .path = "/users/:id/delete"}},
       .summary = "Delete a user with their sessions and assignments (never the last owner, never oneself)",
       .example = "labctl users delete 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c",
       .params = {user_id()},
       .mutating = true,
       .permission = "user.manage",
       .audit = {.action = "user.delete", .entity_type = "user", .entity = "id",
                 .payload = [](const Params&, const json& r) -> json {
                   return {{"deleted_username", r["deleted_username"]}};
                 }},
       .handler = [](Context& ctx, const Params& p) -> json {
         std::string name = auth::delete_user(ctx.conn(), p.str("id"), ctx.caller.user_id);
         return {{"deleted", true}, {"deleted_username", name}};
       }},
      {.name = "assignments.list",
       .cli_path = {"assignments", "list"},
       .routes = {{.method = "GET", .path = "/project-assignments"}},
       .summary = "Project assignments, oldest first, optionally of one project or one user",
       .example = "labctl assignments list --user-id 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c",
       .params = {{.name = "project_id", .type = ParamType::uuid, .help = "only this project's",
                   .invalid_code = "invalid_uuid"},
                  {.name = "user_id", .type = ParamType::uuid, .help = "only this user's", .invalid_code = "invalid_uuid"}},
       .permission = "user.manage",
       .rows = "assignments",
       .columns = {"id", "username", "user_role", "project_name", "assigned_at", "user_id", "project_id"},
       .handler = [](Context& ctx, const Params& p) -> json {
         return {{"assignments",
                  auth::list_assignments(ctx.conn(), {p.opt_str("project_id"), p.opt_str("user_id")})}};
       }},
      {.name = "assignments.add",
       .cli_path = {"assignments", "add"},
       .routes = {{.method = "POST", .path = "/project-assignments", .success_status = 201,
                   .status = [](const json& r) { return r.value("already_assigned", false) ? 200 : 201; }}},
       .summary = "Give a user access to a project (already assigned: nothing changes)",
       .example = "labctl assignments add 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b",
       .params = {user_id("user_id"), assigned_project()},
       .mutating = true,
       .permission = "project_assignment.manage",
       .audit = {.action = "project.assign_user", .entity_type = "project_assignment", .entity = "/assignment/id",
                 .project = "/assignment/project_id"},
       .rows = "assignment",
       .columns = {"id", "user_id", "project_id", "assigned_at", "assigned_by"},
       .handler = [](Context& ctx, const Params& p) -> json {
         auto made = auth::assign(ctx.conn(), p.str("user_id"), p.str("project_id"), ctx.caller.user_id);
         return {{"assignment", made ? json(*made) : json()}, {"already_assigned", !made}};
       }},
      {.name = "assignments.remove",
       .cli_path = {"assignments", "remove"},
       .routes = {{.method = "POST", .path = "/project-assignments/remove"}},
       .summary = "Take a project away from a user",
       .example = "labctl assignments remove 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b",
       .params = {user_id("user_id"), assigned_project()},
       .mutating = true,
       .permission = "project_assignment.manage",
       .audit = {.action = "project.unassign_user", .entity_type = "project_assignment", .entity = "user_id",
                 .project = "project_id"},
       .handler = [](Context& ctx, const Params& p) -> json {
         auth::unassign(ctx.conn(), p.str("user_id"), p.str("project_id"));
         return {{"removed", true}};
       }},
  };
}

}  // namespace labctl::ops
