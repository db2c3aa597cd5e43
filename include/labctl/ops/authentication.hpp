#pragma once
// The caller of an HTTP request, from its credentials (api.md §1.7 steps 4–5, §2, §3): an API
// key, else the session cookie; the session's project hydrated; CSRF and write scope judged.
// The dispatch path calls it before anything else; the CLI's operator needs none of it.
#include "labctl/domains/auth/login.hpp"
#include "labctl/ops/context.hpp"
#include "labctl/ops/operation.hpp"

namespace labctl::ops {

// Sets ctx.caller and ctx.project_id. Throws 401 for a protected operation without valid
// credentials (clearing the cookies of an unknown session). Public operations get Via::nobody.
void authenticate(const Operation& op, Context& ctx, const json& input);

// `session` as the caller: its role and user, and its active project, hydrated when it has none
// (the first reachable preferred id in `input`, else the newest reachable project; saved).
void adopt_session(Context& ctx, auth::Session session, const json& input);

// The environment owner the configuration names (auth.credentials, else auth.username and
// auth.password); Error(config) when what it names is unusable.
std::optional<auth::EnvironmentOwner> environment_owner(const Config& config);

// `serve` refuses to start when nobody could log in: no environment owner and no owner user
// (Error(config), exit 8, saying how to configure one).
void require_login_source(pqxx::connection& conn, const Config& config);

// Deletes sessions idle past 14 days and failed-login counters whose window has passed; `serve`
// runs it at start and every 5 minutes (the reference: 6 h and 5 min). Both are refused at lookup
// anyway: this only keeps the tables small.
void sweep_auth_state(pqxx::connection& conn, const Config& config);

}  // namespace labctl::ops
