#include "labctl/ops/authentication.hpp"

#include <spdlog/spdlog.h>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/domains/auth/passwords.hpp"
#include "labctl/domains/auth/users.hpp"

namespace labctl::ops {
namespace {

// Where a request may name the projects it prefers (api.md §3): query keys, then body and path keys.
const char* const kPreferredKeys[] = {"project_id",        "project_ids",         "projectId",
                                      "active_project_id", "activeProjectId",     "projectIds",
                                      "selected_project_ids", "selectedProjectIds"};

std::vector<std::string> preferred_projects(const json& input) {
  std::vector<std::string> out;
  auto add = [&](const json& v) {
    if (!v.is_string()) return;
    for (const auto& item : comma_items(v.get_ref<const std::string&>()))
      if (auto id = trim_text(item); !id.empty()) out.push_back(id);
  };
  for (const char* key : kPreferredKeys) {
    if (!input.is_object() || !input.contains(key)) continue;
    const json& v = input[key];
    if (v.is_array())
      for (const auto& item : v) add(item);
    else
      add(v);
  }
  return out;
}

Error unauthorized(const std::string& message) { return Error(ErrorClass::unauthorized, "unauthorized", message); }

}  // namespace

std::optional<auth::EnvironmentOwner> environment_owner(const Config& config) {
  return auth::environment_owner(config.get("auth.credentials"), config.get("auth.username"),
                                 config.get("auth.password"));
}

void require_login_source(pqxx::connection& conn, const Config& config) {
  if (auto owner = environment_owner(config)) {
    if (!owner->hashed) spdlog::warn("the environment owner's secret is plaintext; a bcrypt hash is safer");
    return;
  }
  if (auth::has_owner(conn)) return;
  throw config_error(
      "nobody can log in: set AUTH_CREDENTIALS=login:secret (or AUTH_USERNAME and AUTH_PASSWORD), or create an "
      "owner with 'labctl users create NAME --role owner'");
}

void sweep_auth_state(pqxx::connection& conn, const Config& config) {
  long long sessions = auth::sweep_sessions(conn);
  long long counters = auth::purge_login_failures(
      conn, {config.get_int("auth.login_max_attempts"), config.get_int("auth.login_window_minutes")});
  if (sessions || counters) spdlog::info("swept {} expired session(s), {} login counter(s)", sessions, counters);
}

void adopt_session(Context& ctx, auth::Session session, const json& input) {
  Caller& caller = ctx.caller;
  caller.via = Caller::Via::session;
  caller.role = session.role;
  caller.user_id = session.user_id;
  caller.actor = session.username;
  if (!session.active_project_id) {
    auto chosen = auth::fallback_project(ctx.conn(), caller.reach(), preferred_projects(input));
    if (chosen) {
      auth::set_active_project(ctx.conn(), session.session_id, chosen);
      session.active_project_id = chosen;
    }
  }
  // The session's row came with its project's scope (none: fallback chosen, or the project is gone).
  ctx.select_project(session.active_project_id, session.account_scope_id);
  caller.session = std::move(session);
}

void authenticate(const Operation& op, Context& ctx, const json& input) {
  if (!ctx.credentials) return;
  const Credentials& presented = *ctx.credentials;
  ctx.caller = Caller{.via = Caller::Via::nobody, .role = "pm"};
  ctx.select_project(std::nullopt);
  if (op.is_public) return;  // public paths run before (and without) credentials, as in the reference
  Caller& caller = ctx.caller;
  if (presented.api_key && !presented.api_key->empty()) {
    auth::ApiKey key = auth::authenticate_api_key(ctx.conn(), *presented.api_key);
    caller.via = Caller::Via::api_key;
    caller.role = key.role();
    caller.actor = key.actor();
    if (op.mutating && !key.may_write())
      caller.refuse_mutation = Error(ErrorClass::forbidden, "scope_insufficient", "API key lacks the write scope");
    ctx.select_project(key.project_id, key.account_scope_id);
    caller.key = std::move(key);
    return;
  }
  if (!presented.session_id || presented.session_id->empty()) throw unauthorized("Unauthorized");
  auto session = auth::find_session(ctx.conn(), *presented.session_id);
  if (!session) {
    ctx.cookies.change = SessionCookies::Change::clear;
    throw unauthorized("Unauthorized");
  }
  if (op.mutating && !auth::constant_time_equal(presented.csrf_token.value_or(""), session->csrf_token))
    caller.refuse_mutation = Error(ErrorClass::forbidden, "csrf_invalid", "Invalid CSRF token");
  adopt_session(ctx, std::move(*session), input);
  // A session whose project it may not reach gets no further with that project (api.md §2.8).
  // (An owner reaches every project: no query; the scope lookup that follows finds a missing one.)
  if (op.scope != Scope::none && ctx.project_id && !caller.reach().everything &&
      !auth::reaches(ctx.conn(), caller.reach(), *ctx.project_id))
    caller.project_denied = true;
}

}  // namespace labctl::ops
