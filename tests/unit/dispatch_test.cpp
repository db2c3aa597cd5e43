// The dispatch path's checks, without a database: the caller, a route's fixed values and shape,
// wire codes for failures, placeholders.
#include <doctest/doctest.h>

#include "labctl/core/config.hpp"
#include "labctl/core/metrics.hpp"
#include "labctl/db/database.hpp"
#include "labctl/domains/auth/roles.hpp"
#include "labctl/ops/dispatch.hpp"
#include "labctl/ops/registry.hpp"

using namespace labctl;
using namespace labctl::ops;

namespace {

struct Harness {
  Config config = Config::load_from({{"DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none"}}, std::nullopt, {});
  db::Database database{config};
  Metrics metrics;
  Context ctx{config, database, metrics, Frontend::http, "r-1",
              [](bool) -> pqxx::connection& { throw Error(ErrorClass::unavailable, "db_unavailable", "no database"); }};
};

Error failure_of(const Operation& op, const HttpRoute* route, Context& ctx, const json& input = json::object()) {
  try {
    dispatch(op, route, ctx, input);
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected a failure");
  return internal_error("unreachable");
}

}  // namespace

TEST_CASE("dispatch: a stranger gets 401 before anything runs, public operations excepted") {
  Harness h;
  h.ctx.caller.via = ops::Caller::Via::nobody;
  bool ran = false;
  Operation op{.name = "t", .handler = [&](Context&, const Params&) -> json {
                 ran = true;
                 return json::object();
               }};
  CHECK(failure_of(op, nullptr, h.ctx).code() == "unauthorized");
  CHECK(failure_of(op, nullptr, h.ctx).error_class() == ErrorClass::unauthorized);
  CHECK_FALSE(ran);
  op.is_public = true;
  CHECK(dispatch(op, nullptr, h.ctx, json::object()).is_object());
  CHECK(ran);
}

TEST_CASE("dispatch: every registry operation with a permission refuses a role without it, before validation") {
  Harness h;
  h.ctx.caller.role = "viewer";
  size_t checked = 0;
  for (const auto& op : registry()) {
    if (op.permission.empty()) continue;
    CAPTURE(op.name);
    auto e = failure_of(op, op.routes.empty() ? nullptr : &op.routes[0], h.ctx);  // {}: validation would refuse
    CHECK(e.error_class() == ErrorClass::forbidden);
    CHECK(e.code() == auth::denial_code(op.permission));
    ++checked;
  }
  CHECK(checked >= 1);  // projects.create needs project.create
}

TEST_CASE("dispatch: a caller refused mutations gets that refusal from every mutating operation only") {
  Harness h;
  h.ctx.caller.refuse_mutation = Error(ErrorClass::forbidden, "csrf_invalid", "Invalid CSRF token");
  for (const auto& op : registry()) {
    CAPTURE(op.name);
    if (!op.mutating) continue;
    CHECK(failure_of(op, nullptr, h.ctx).code() == "csrf_invalid");
  }
}

TEST_CASE("roles: the owner holds everything; the others what api.md §2.7 gives them") {
  CHECK(auth::role_allows("owner", "project.create"));
  CHECK(auth::role_allows("owner", "anything.at.all"));
  CHECK_FALSE(auth::role_allows("pm", "project.create"));
  CHECK(auth::role_allows("viewer", "project.read"));
  CHECK(auth::role_allows("pm", "user.read"));
  CHECK_FALSE(auth::role_allows("delivery_lead", "user.read"));
  CHECK(auth::role_allows("delivery_lead", "workforce.link.write"));
  CHECK_FALSE(auth::role_allows("executor", "workforce.link.write"));
  CHECK_FALSE(auth::role_allows("nobody", "project.read"));
  CHECK(auth::role_rank("owner") == 5);
  CHECK(auth::role_rank("viewer") == 1);
  CHECK(auth::role_rank("root") == 0);
  CHECK(auth::denial_code("user.manage") == "forbidden");
  CHECK(auth::denial_code("project.create") == "forbidden");  // api.md §8 scenario 21
  CHECK(auth::denial_code("workforce.employee.write") == "permission_denied");
}

TEST_CASE("dispatch: a route's wire codes answer the handler's failures; placeholders name parameters") {
  Harness h;
  std::string thrown = "conflict";
  Operation op{.name = "sync",
               .routes = {{.method = "POST",
                           .path = "/jobs/:connector/sync",
                           .errors = {{.when = ErrorClass::conflict, .as = ErrorClass::conflict,
                                       .code = "{connector}_source_binding_error"},
                                      {.as = ErrorClass::internal, .code = "{connector}_sync_failed"}}},
                          {.method = "POST", .path = "/connectors/:connector/sync",
                           .errors = {{.when = ErrorClass::conflict, .keep = true}}}},
               .params = {{.name = "connector", .required = true}},
               .handler = [&](Context&, const Params&) -> json {
                 if (thrown == "conflict") throw Error(ErrorClass::conflict, "chatwoot_source_not_bound", "not bound");
                 if (thrown == "db") throw Error(ErrorClass::unavailable, "db_unavailable", "database unavailable");
                 throw std::runtime_error("boom");
               }};
  json input = {{"connector", "chatwoot"}};
  auto job = &op.routes[0];
  auto e = failure_of(op, job, h.ctx, input);
  CHECK(e.code() == "chatwoot_source_binding_error");
  CHECK(e.error_class() == ErrorClass::conflict);
  CHECK(std::string(e.what()) == "not bound");
  CHECK(failure_of(op, &op.routes[1], h.ctx, input).code() == "chatwoot_source_not_bound");  // kept
  CHECK(failure_of(op, nullptr, h.ctx, input).code() == "chatwoot_source_not_bound");         // the CLI: as is
  thrown = "other";
  e = failure_of(op, job, h.ctx, input);
  CHECK(e.code() == "chatwoot_sync_failed");
  CHECK(e.error_class() == ErrorClass::internal);
  CHECK(std::string(e.what()) == "internal error");  // an unexpected exception's text stays in the log
  thrown = "db";
  CHECK(failure_of(op, job, h.ctx, input).code() == "db_unavailable");  // an outage is a 503 on every route
}

TEST_CASE("dispatch: a route picks and wraps the result, and fixes parameters") {
  Harness h;
  Operation op{.name = "t",
               .routes = {{.method = "POST", .path = "/t", .fixed = {{"mode", "all"}}, .pick = "/results/0",
                           .wrap = "result"}},
               .params = {{.name = "mode"}},
               .handler = [](Context&, const Params& p) -> json {
                 return {{"results", json::array({{{"mode", p.str("mode")}}})}};
               }};
  CHECK(dispatch(op, &op.routes[0], h.ctx, {{"mode", "one"}}) == json{{"result", {{"mode", "all"}}}});
  CHECK(dispatch(op, nullptr, h.ctx, {{"mode", "one"}}) == json{{"results", json::array({{{"mode", "one"}}})}});
}

TEST_CASE("expand fills {name} from the parameters") {
  Params p(json{{"connector", "linear"}, {"n", 3}});
  CHECK(expand("job.{connector}_sync", p) == "job.linear_sync");
  CHECK(expand("{n} of {missing}", p) == "3 of ");
  CHECK(expand("no braces", p) == "no braces");
  CHECK(expand("open { only", p) == "open { only");
}
