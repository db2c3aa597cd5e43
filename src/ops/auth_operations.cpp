// Login, the current session, logout, and the disabled signup and Telegram routes (api.md §2.2–2.4).
// They live over HTTP only: the CLI is the machine's operator and needs no session.
#include "labctl/core/config.hpp"
#include "labctl/domains/auth/login.hpp"
#include "labctl/ops/authentication.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

json session_fields(const Context& ctx, const auth::Session& s) {
  return {{"username", s.username},
          {"user_id", s.user_id ? json(*s.user_id) : json()},
          {"role", s.role},
          {"active_project_id", s.active_project_id ? json(*s.active_project_id) : json()},
          {"csrf_cookie_name", ctx.config.get("auth.csrf_cookie")},
          {"csrf_token", s.csrf_token}};
}

Error gone(const std::string& code, const std::string& message) { return Error(ErrorClass::gone, code, message); }

}  // namespace

std::vector<Operation> auth_operations() {
  return {
      {.name = "auth.login",
       .routes = {{.method = "POST", .path = "/auth/login", .limit = RouteLimit::auth}},
       .summary = "Log in: a session and its CSRF token, as cookies and in the answer",
       .example = "curl -c jar -d '{\"username\":\"anna\",\"password\":\"…\"}' localhost:8080/auth/login",
       .params = {{.name = "username", .help = "login name (trimmed, case-insensitive)", .max = 200},
                  {.name = "password", .type = ParamType::password, .help = "the password", .max = 1000}},
       .mutating = true,
       .is_public = true,
       .handler = [](Context& ctx, const Params& p) -> json {
         auth::ThrottleLimits limits{ctx.config.get_int("auth.login_max_attempts"),
                                     ctx.config.get_int("auth.login_window_minutes")};
         auth::Session s = auth::log_in(ctx.conn(), environment_owner(ctx.config), limits,
                                        {p.opt_str("username").value_or(""), p.opt_str("password").value_or(""),
                                         ctx.credentials ? ctx.credentials->client_ip : "", ctx.request_id});
         ctx.cookies = {SessionCookies::Change::set, s.session_id, s.csrf_token};
         return session_fields(ctx, s);
       }},
      {.name = "auth.me",
       .routes = {{.method = "GET", .path = "/auth/me", .limit = RouteLimit::auth}},
       .summary = "The current session: who, which role, which project, its CSRF token",
       .example = "curl -b jar localhost:8080/auth/me",
       .is_public = true,
       .handler = [](Context& ctx, const Params&) -> json {
         const auto* presented = ctx.credentials ? &*ctx.credentials : nullptr;
         if (!presented || !presented->session_id || presented->session_id->empty())
           return {{"authenticated", false}};
         auto session = auth::find_session(ctx.conn(), *presented->session_id);
         if (!session) {
           ctx.cookies.change = SessionCookies::Change::clear;
           return {{"authenticated", false}};
         }
         adopt_session(ctx, *session, json::object());
         const auth::Session& s = *ctx.caller.session;
         json out = {{"authenticated", true}};
         out.update(session_fields(ctx, s));
         out["account_scope_id"] = ctx.project_id ? json(ctx.scope().account_scope_id) : json();
         out["created_at"] = s.created_at;
         out["last_seen_at"] = s.last_seen_at;
         return out;
       }},
      {.name = "auth.logout",
       .routes = {{.method = "POST", .path = "/auth/logout", .limit = RouteLimit::auth}},
       .summary = "End the current session and clear its cookies",
       .example = "curl -b jar -H 'x-csrf-token: …' -X POST localhost:8080/auth/logout",
       .mutating = true,
       .handler = [](Context& ctx, const Params&) -> json {
         if (ctx.caller.session) {
           auth::delete_session(ctx.conn(), ctx.caller.session->session_id);
           ctx.cookies.change = SessionCookies::Change::clear;
           auth::record_auth_event(ctx.conn(), {.action = "auth.logout", .username = ctx.caller.session->username,
                                                .user_id = ctx.caller.session->user_id,
                                                .client_ip = ctx.credentials->client_ip,
                                                .request_id = ctx.request_id});
         }
         return json::object();
       }},
      {.name = "auth.signup_status",
       .routes = {{.method = "GET", .path = "/auth/signup/status", .limit = RouteLimit::auth}},
       .summary = "Signup is disabled: says so",
       .example = "curl localhost:8080/auth/signup/status",
       .is_public = true,
       .handler = [](Context&, const Params&) -> json {
         return {{"enabled", false}, {"has_telegram_token", false}, {"owner_bound", false},
                 {"reason", "signup_disabled"}};
       }},
      {.name = "auth.signup",
       .routes = {{.method = "POST", .path = "/auth/signup/start", .limit = RouteLimit::auth}, {.method = "POST", .path = "/auth/signup/confirm", .limit = RouteLimit::auth}},
       .summary = "Signup is disabled: 410 signup_disabled",
       .example = "curl -X POST localhost:8080/auth/signup/start",
       .mutating = true,
       .is_public = true,
       .handler = [](Context&, const Params&) -> json { throw gone("signup_disabled", "Signup is disabled"); }},
      {.name = "auth.telegram_webhook",
       .routes = {{.method = "POST", .path = "/auth/telegram/webhook", .limit = RouteLimit::auth}},
       .summary = "The Telegram login bot is disabled: 410 telegram_disabled",
       .example = "curl -X POST localhost:8080/auth/telegram/webhook",
       .mutating = true,
       .is_public = true,
       .handler = [](Context&, const Params&) -> json { throw gone("telegram_disabled", "Telegram login is disabled"); }},
  };
}

}  // namespace labctl::ops
