// api-keys list | create | revoke (api.md §2.6): a session (never a key) with api_keys.manage, in
// the active project; the raw key is shown once. The routes answer {ok, data} without request_id.
#include "labctl/core/json_optional.hpp"
#include "labctl/domains/auth/api_keys.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::auth {

void to_json(nlohmann::json& j, const ApiKey& k) {
  j = {{"id", k.id},         {"key_prefix", k.key_prefix},  {"name", k.name},
       {"scopes", k.scopes}, {"expires_at", k.expires_at},  {"last_used_at", k.last_used_at},
       {"created_at", k.created_at}};
}

}  // namespace labctl::auth

namespace labctl::ops {

std::vector<Operation> api_key_operations() {
  const std::vector<std::string> columns = {"id", "key_prefix", "name", "scopes", "expires_at", "last_used_at",
                                            "created_at"};
  auto route = [](const char* method, const char* path, int status = 200) {
    return HttpRoute{.method = method, .path = path, .success_status = status, .wrap = "data", .with_request_id = false};
  };
  return {
      {.name = "api_keys.list",
       .cli_path = {"api-keys", "list"},
       .routes = {route("GET", "/api-keys")},
       .summary = "List the project's API keys (never the keys themselves)",
       .example = "labctl api-keys list --project ID --output table",
       .scope = Scope::required,
       .session_only = true,
       .permission = "api_keys.manage",
       .missing_project_code = "project_required",
       .rows = "keys",
       .columns = columns,
       .handler = [](Context& ctx, const Params&) -> json {
         return {{"keys", auth::list_api_keys(ctx.conn(), ctx.scope().project_id)}};
       }},
      {.name = "api_keys.create",
       .cli_path = {"api-keys", "create"},
       .routes = {[&] {
         auto r = route("POST", "/api-keys", 201);
         r.pick = "/created";
         return r;
       }()},
       .summary = "Make an API key for the project; the key is printed once and stored only as its SHA-256",
       .example = "labctl api-keys create 'CI reconcile' --scopes read,write --expires-at 2027-06-30 --project ID",
       .params = {{.name = "name", .help = "what the key is for (cut to 100 characters)", .positional = true,
                   .metavar = "NAME"},
                  {.name = "scopes", .type = ParamType::list, .help = "read, write, admin (unknown ones dropped)",
                   .lowercased = true},
                  {.name = "expires_at", .type = ParamType::date, .help = "when the key stops working",
                   .invalid_code = "invalid_expires_at"}},
       .scope = Scope::required,
       .mutating = true,
       .session_only = true,
       .permission = "api_keys.manage",
       .missing_project_code = "project_required",
       .audit = {.action = "api_key.create", .entity_type = "api_key", .entity = "/created/id",
                 .payload = [](const Params&, const json& r) -> json {
                   return {{"name", r["created"]["name"]}, {"scopes", r["created"]["scopes"]},
                           {"prefix", r["created"]["prefix"]}};
                 }},
       .rows = "created",
       .columns = {"key", "prefix", "name", "scopes", "expires_at"},
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         std::vector<std::string> scopes;
         for (const auto& s : p.all().value("scopes", json::array())) scopes.push_back(s.get<std::string>());
         auto made = auth::create_api_key(ctx.conn(), {scope.project_id, scope.account_scope_id,
                                                       p.opt_str("name").value_or(""), scopes, p.opt_str("expires_at")});
         return {{"created",
                  {{"id", made.key.id}, {"key", made.raw}, {"prefix", made.key.key_prefix}, {"name", made.key.name},
                   {"scopes", made.key.scopes},
                   {"expires_at", made.key.expires_at ? json(*made.key.expires_at) : json()}}}};
       }},
      {.name = "api_keys.revoke",
       .cli_path = {"api-keys", "revoke"},
       .routes = {[&] {
         auto r = route("POST", "/api-keys/revoke");
         r.wrap = "";
         return r;
       }()},
       .summary = "Revoke (delete) one of the project's API keys",
       .example = "labctl api-keys revoke 3f1c0e9a-5b7d-4c2e-8a6f-0d9e8c7b6a51 --project ID",
       .params = {{.name = "id", .type = ParamType::uuid, .help = "the key's id", .required = true, .positional = true,
                   .metavar = "ID", .invalid_code = "invalid_uuid", .missing_code = "id_required"}},
       .scope = Scope::required,
       .mutating = true,
       .session_only = true,
       .permission = "api_keys.manage",
       .missing_project_code = "project_required",
       .audit = {.action = "api_key.revoke", .entity_type = "api_key", .entity = "id"},
       .handler = [](Context& ctx, const Params& p) -> json {
         auth::revoke_api_key(ctx.conn(), ctx.scope().project_id, p.str("id"));
         return json::object();
       }},
  };
}

}  // namespace labctl::ops
