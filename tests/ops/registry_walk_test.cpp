// Every operation of the registry, through every front end it has: the CLI command and each of its
// routes. Each answers with its documented success, writes exactly the audit row it declares (and a
// job_runs row where the route is a job), and a project-scoped one without a project answers 409
// active_project_required and changes nothing. Every protected route refuses a stranger (401), a
// session without its CSRF token (403 csrf_invalid) and a read-only key's mutations (403
// scope_insufficient), changing nothing; a viewer of P1 never sees P2. A new operation fails this
// test until it has a case.
#include <doctest/doctest.h>

#include <map>
#include <regex>

#include "labctl/domains/auth/api_keys.hpp"
#include "labctl/domains/auth/passwords.hpp"
#include "labctl/domains/auth/roles.hpp"
#include "labctl/ops/registry.hpp"
#include "support/checks.hpp"
#include "support/sync_fixture.hpp"

using namespace labctl;
using json = nlohmann::json;

namespace {

// One way in: the CLI (`cli` holds the arguments) or a route (METHOD path, with a body).
struct Exposure {
  std::vector<std::string> cli;
  std::string method, path;
  json body = json::object();
  int expect = 0;               // exit code, or HTTP status (0 = 200 for routes)
  std::string audit;            // the audit action written; "" = none
  std::string job;              // the job_runs row written; "" = none
  std::string project;          // the project it runs in ("" = the fixture's)
  std::optional<std::string> input;  // the CLI's standard input (a password)
  bool own_session = false;     // a session of its own (logout ends the one it uses)
};

struct Case {
  std::vector<Exposure> exposures;
  std::string skipped;  // why the walk does not run it (it is tested in its family's file)
};

constexpr const char* kUserPassword = "walk-password-1";

struct WalkFixture : test::SyncFixture {
  std::string dead_letter_id, query_run_id, extra_project;
  std::string man_dir = test::temp_dir("labctl-walk-man").string();
  std::map<std::string, std::string> users;  // name → id: pm "lonely" (no projects), "walker", "gone1", "gone2"
  std::string key_cli, key_route;            // API keys of p1 to revoke
  std::string signal_id, nba_id;             // p1's, to move between statuses

  std::string add_user(const std::string& name, const std::string& role) {
    static const std::string hash = auth::hash_password(kUserPassword, 4);  // cheap: tests only
    return db.text("INSERT INTO app_users (username, password_hash, role) VALUES ('" + name + "', '" + hash + "', '" +
                   role + "') RETURNING id::text");
  }

  WalkFixture() {
    env["EMBEDDING_PROVIDERS"] = "local";
    env["LABCTL_PROJECT"] = p1.id;
    sync("all", p1);
    REQUIRE(labctl({"embeddings", "run", "--project", p1.id}).exit_code == 0);
    auto query = test::parse(labctl({"lightrag", "query", "invoice", "--project", p1.id, "-o", "json"}));
    query_run_id = query["query_run_id"].get<std::string>();
    // A dead letter: one failure is enough with CONNECTOR_MAX_RETRIES=1.
    auto once = env;
    once["CONNECTOR_MAX_RETRIES"] = "1";
    sandbox.set_faults("linear.PullLinear:every,status=500");
    CHECK(test::labctl({"sync", "linear", "--project", p1.id}, once).exit_code == 6);
    sandbox.set_faults("");
    dead_letter_id = db.text("SELECT id::text FROM connector_errors WHERE status = 'dead_letter' LIMIT 1");
    REQUIRE_FALSE(dead_letter_id.empty());
    extra_project = test::parse(labctl({"projects", "create", "Walk extra", "-o", "json"}))["project"]["id"];
    for (const auto& [name, role] : std::vector<std::pair<std::string, std::string>>{
             {"lonely", "pm"}, {"walker", "executor"}, {"gone1", "viewer"}, {"gone2", "viewer"}})
      users[name] = add_user(name, role);
    pqxx::connection conn(env.at("DATABASE_URL"));
    for (auto* key : {&key_cli, &key_route})
      *key = auth::create_api_key(conn, {p1.id, p1.scope, "walk", {"read"}, std::nullopt}).key.id;
    signal_id = db.text("INSERT INTO signals (project_id, account_scope_id, signal_type, summary, dedupe_key) VALUES ('" +
                        p1.id + "', '" + p1.scope + "', 'delivery_risk', 'walk', 'walk') RETURNING id::text");
    nba_id = db.text("INSERT INTO next_best_actions (project_id, account_scope_id, signal_id, action_type, summary, "
                     "dedupe_key) VALUES ('" + p1.id + "', '" + p1.scope + "', '" + signal_id +
                     "', 'triage_signal', 'walk', 'walk') RETURNING id::text");
    // p1's scheduled jobs exist and none is due: a tick in the walk runs nothing (scheduler_test runs them).
    REQUIRE(labctl({"scheduler", "list", "--project", p1.id}).exit_code == 0);
    db.exec("UPDATE scheduled_jobs SET next_run_at = now() + interval '1 day'");
  }

  std::map<std::string, Case> cases() {
    const std::string account = tenants[0]["chatwoot"]["account_id"].dump();
    auto cli = [](std::vector<std::string> args, std::string audit = "", int expect = 0) {
      return Exposure{.cli = std::move(args), .expect = expect, .audit = std::move(audit)};
    };
    auto route = [](std::string method, std::string path, json body = json::object(), std::string audit = "",
                    int expect = 0) {
      return Exposure{.method = std::move(method), .path = std::move(path), .body = std::move(body),
                      .expect = expect, .audit = std::move(audit)};
    };
    Exposure job_sync = route("POST", "/jobs/linear/sync", {}, "job.linear_sync");
    job_sync.job = "linear_sync";
    Exposure job_embed = route("POST", "/jobs/embeddings/run", {}, "job.embeddings_run");
    job_embed.job = "embeddings_run";
    Exposure unbind = cli({"sources", "unbind", "linear"}, "source.unbind");
    unbind.project = extra_project;
    Exposure run_job = cli({"scheduler", "run", "loops_contacts_sync"}, "job.run");
    run_job.job = "loops_contacts_sync";  // a scheduled run writes its job_runs row too
    Exposure logout = route("POST", "/auth/logout");
    logout.own_session = true;
    Exposure create_user = cli({"users", "create", "walk-cli", "--password-stdin"}, "user.create");
    create_user.input = std::string(kUserPassword) + "\n";
    Exposure assign_route = route("POST", "/project-assignments", {{"user_id", users["walker"]}, {"project_id", extra_project}},
                                  "project.assign_user", 201);
    assign_route.project = extra_project;
    Exposure unassign_route = route("POST", "/project-assignments/remove",
                                    {{"user_id", users["walker"]}, {"project_id", extra_project}}, "project.unassign_user");
    unassign_route.project = extra_project;
    const std::string walker = users["walker"];
    return {
        {"version", {{cli({"version"})}}},
        {"health", {{cli({"health", "--deep"}), route("GET", "/health")}}},
        {"metrics", {{route("GET", "/metrics")}}},
        {"config.show", {{cli({"config", "show"})}}},
        {"completion", {{cli({"completion", "fish"})}}},
        {"man", {{cli({"man", "--dir", man_dir})}}},
        {"serve", {{}, "it is what serves every route of this walk"}},
        {"db.up", {{}, "manages labctl's private cluster: tests/ops/database_test.cpp"}},
        {"db.down", {{}, "manages labctl's private cluster: tests/ops/database_test.cpp"}},
        {"db.shell", {{}, "replaces the process with psql"}},
        {"db.reset", {{}, "drops this walk's data: tests/ops/database_test.cpp"}},
        {"db.status", {{cli({"db", "status"})}}},
        {"db.migrate", {{cli({"db", "migrate"})}}},  // no project: nothing to audit in
        {"projects.list", {{cli({"projects", "list"}), route("GET", "/projects")}}},
        {"projects.create",
         {{cli({"projects", "create", "Walk CLI"}, "project.create"),
           route("POST", "/projects", {{"name", "Walk HTTP"}}, "project.create", 201)}}},
        {"projects.show", {{cli({"projects", "show", p1.id})}}},
        {"sources.list", {{cli({"sources", "list"})}}},
        {"sources.bind", {{cli({"sources", "bind", "chatwoot", account}, "source.bind")}}},
        {"sources.unbind", {{unbind}}},
        {"connectors.state", {{cli({"connectors", "state"}), route("GET", "/connectors/state")}}},
        {"connectors.errors", {{cli({"connectors", "errors"}), route("GET", "/connectors/errors")}}},
        {"connectors.dead_letters", {{route("GET", "/connectors/errors/dead-letter")}}},
        {"connectors.dead_letter_retry",
         {{route("POST", "/connectors/errors/dead-letter/" + dead_letter_id + "/retry", {},
                 "connector_error.dead_letter_retry")}}},
        {"connectors.retry",
         {{cli({"connectors", "retry"}, "connectors.retry_errors"),
           route("POST", "/connectors/errors/retry", {}, "connectors.retry_errors")}}},
        {"sync",
         {{cli({"sync", "linear"}, "connectors.sync_one"), route("POST", "/connectors/sync", {}, "connectors.sync_all"),
           route("POST", "/connectors/attio/sync", {}, "connectors.sync_one"), job_sync}}},
        {"reconcile",
         {{cli({"reconcile", "--min-completeness", "0"}, "connectors.reconciliation.run"),
           route("POST", "/connectors/reconciliation/run", {}, "connectors.reconciliation.run")}}},
        {"connectors.reconciliation", {{route("GET", "/connectors/reconciliation")}}},
        {"connectors.reconciliation_diff", {{route("GET", "/connectors/reconciliation/diff")}}},
        {"lightrag.query",
         {{cli({"lightrag", "query", "invoice"}), route("POST", "/lightrag/query", {{"query", "invoice"}})}}},
        {"search.legacy", {{route("POST", "/search", {{"query", "invoice"}})}}},
        {"lightrag.status", {{cli({"lightrag", "status"}), route("GET", "/lightrag/status")}}},
        {"lightrag.refresh",
         {{cli({"lightrag", "refresh"}, "lightrag.refresh"), route("POST", "/lightrag/refresh", {}, "lightrag.refresh"),
           job_embed}}},
        {"lightrag.feedback",
         {{cli({"lightrag", "feedback", query_run_id, "--rating", "1"}),
           route("POST", "/lightrag/feedback", {{"query_run_id", query_run_id}, {"rating", -1}})}}},
        {"embeddings.run", {{cli({"embeddings", "run"}, "embeddings.run")}}},
        {"usage", {{cli({"usage"})}}},
        {"search.track",
         {{cli({"search", "track", "invoice"}), route("POST", "/search/analytics", {{"query", "invoice"}})}}},
        {"search.summary", {{cli({"search", "summary"}), route("GET", "/search/analytics/summary")}}},
        {"auth.login", {{route("POST", "/auth/login", {{"username", test::kOwnerLogin}, {"password", test::kOwnerPassword}})}}},
        {"auth.me", {{route("GET", "/auth/me")}}},
        {"auth.logout", {{logout}}},
        {"auth.signup_status", {{route("GET", "/auth/signup/status")}}},
        {"auth.signup",
         {{route("POST", "/auth/signup/start", {}, "", 410), route("POST", "/auth/signup/confirm", {}, "", 410)}}},
        {"auth.telegram_webhook", {{route("POST", "/auth/telegram/webhook", {}, "", 410)}}},
        {"projects.select", {{route("POST", "/projects/" + p1.id + "/select", {}, "project.select")}}},
        {"api_keys.list", {{cli({"api-keys", "list"}), route("GET", "/api-keys")}}},
        {"api_keys.create",
         {{cli({"api-keys", "create", "walk cli"}, "api_key.create"),
           route("POST", "/api-keys", {{"name", "walk route"}}, "api_key.create", 201)}}},
        {"api_keys.revoke",
         {{cli({"api-keys", "revoke", key_cli}, "api_key.revoke"),
           route("POST", "/api-keys/revoke", {{"id", key_route}}, "api_key.revoke")}}},
        {"users.list", {{cli({"users", "list"}), route("GET", "/users")}}},
        {"users.show", {{cli({"users", "show", walker}), route("GET", "/users/" + walker)}}},
        {"users.create",
         {{create_user, route("POST", "/users", {{"username", "walk-route"}, {"password", kUserPassword}}, "user.create", 201)}}},
        {"users.update",
         {{cli({"users", "update", walker, "--role", "viewer"}, "user.update"),
           route("POST", "/users/" + walker + "/update", {{"role", "executor"}}, "user.update")}}},
        {"users.delete",
         {{cli({"users", "delete", users["gone1"]}, "user.delete"),
           route("POST", "/users/" + users["gone2"] + "/delete", {}, "user.delete")}}},
        {"assignments.list", {{cli({"assignments", "list"}), route("GET", "/project-assignments")}}},
        {"events.stream", {{route("GET", "/events/stream")}}},
        {"assignments.add", {{cli({"assignments", "add", walker, p1.id}, "project.assign_user"), assign_route}}},
        {"assignments.remove", {{cli({"assignments", "remove", walker, p1.id}, "project.unassign_user"), unassign_route}}},
        {"signals.extract",
         {{cli({"signals", "extract"}, "signals.extract"), route("POST", "/signals/extract", {}, "signals.extract")}}},
        {"signals.list", {{cli({"signals", "list"}), route("GET", "/signals")}}},
        {"signals.set_status",
         {{cli({"signals", "set-status", signal_id, "--status", "accepted"}, "signals.status_update"),
           route("POST", "/signals/" + signal_id + "/status", {{"status", "done"}}, "signals.status_update")}}},
        {"nba.list", {{cli({"nba", "list"}), route("GET", "/nba")}}},
        {"risk.refresh", {{cli({"risk", "refresh"}, "risk.refresh"), route("POST", "/risk/refresh", {}, "risk.refresh")}}},
        {"risk.overview", {{cli({"risk", "overview"}), route("GET", "/risk/overview")}}},
        {"analytics.refresh",
         {{cli({"analytics", "refresh"}, "analytics.refresh"),
           route("POST", "/analytics/refresh", {{"period_days", 7}}, "analytics.refresh")}}},
        {"analytics.overview", {{cli({"analytics", "overview"}), route("GET", "/analytics/overview")}}},
        {"digest.daily",
         {{cli({"digest", "daily"}, "digest.daily.generate"),
           route("POST", "/digests/daily/generate", {}, "digest.daily.generate")}}},
        {"digest.weekly",
         {{cli({"digest", "weekly", "--week", "2026-02-11"}, "digest.weekly.generate"),
           route("POST", "/digests/weekly/generate", {}, "digest.weekly.generate")}}},
        {"digest.show",
         {{cli({"digest", "show", "daily"}), route("GET", "/digests/daily"), route("GET", "/digests/weekly?limit=3")}}},
        {"analytics.drilldown",
         {{cli({"analytics", "drilldown", "--source", "cw_messages"}), route("GET", "/analytics/drilldown?limit=5")}}},
        {"portfolio.overview",
         {{cli({"portfolio", "overview"}), route("GET", "/portfolio/overview?project_ids=" + p1.id + "&card_limit=4")}}},
        {"portfolio.messages",
         {{cli({"portfolio", "messages", "--project-id", p1.id}), route("GET", "/portfolio/messages?project_id=" + p1.id)}}},
        {"control_tower", {{cli({"control-tower"}), route("GET", "/control-tower")}}},
        {"scheduler.tick",
         {{cli({"scheduler", "tick"}, "job.scheduler_tick"), route("POST", "/jobs/scheduler/tick", {}, "job.scheduler_tick")}}},
        {"scheduler.list", {{cli({"scheduler", "list"}), route("GET", "/jobs/scheduler")}}},
        {"jobs.status", {{cli({"jobs", "status"}), route("GET", "/jobs/status")}}},
        {"scheduler.health", {{cli({"scheduler", "health"}), route("GET", "/health/scheduler")}}},
        {"scheduler.enable", {{cli({"scheduler", "enable", "report_generation"}, "job.enable")}}},
        {"scheduler.disable", {{cli({"scheduler", "disable", "report_generation"}, "job.disable")}}},
        {"scheduler.set_cadence", {{cli({"scheduler", "set-cadence", "report_generation", "7200"}, "job.set_cadence")}}},
        {"scheduler.run", {{run_job}}},
        {"worker", {{}, "ticks every project until stopped: tests/ops/scheduler_test.cpp"}},
        {"events.tail", {{}, "prints events until stopped: tests/ops/scheduler_test.cpp"}},
        {"retention.outbound", {{cli({"retention", "outbound"}, "retention.outbound_cleanup")}}},
        {"retention.analytics", {{cli({"retention", "analytics"}, "retention.analytics_cleanup")}}},
        {"nba.set_status",
         {{cli({"nba", "set-status", nba_id, "--status", "accepted"}, "nba.status_update"),
           route("POST", "/nba/" + nba_id + "/status", {{"status", "cancelled"}}, "nba.status_update")}}},
    };
  }

  long long audits(const std::string& project) {
    return db.count("SELECT count(*) FROM audit_events WHERE project_id = '" + project + "'");
  }
  long long audits_everywhere() { return db.count("SELECT count(*) FROM audit_events"); }
  long long jobs() { return db.count("SELECT count(*) FROM job_runs"); }
  // What a refused request must leave as it was.
  std::string state() {
    return db.text(
        "SELECT concat_ws(' ', (SELECT count(*) FROM audit_events), (SELECT count(*) FROM job_runs), "
        "(SELECT count(*) FROM projects), (SELECT count(*) FROM api_keys), (SELECT count(*) FROM app_users), "
        "(SELECT max(updated_at) FROM app_users), (SELECT count(*) FROM project_assignments), "
        "(SELECT count(*) FROM search_analytics), (SELECT count(*) FROM lightrag_feedback), "
        "(SELECT count(*) FROM project_sources), (SELECT max(updated_at) FROM connector_sync_state), "
        "(SELECT string_agg(status || severity, ',' ORDER BY id) FROM signals), "
        "(SELECT string_agg(status || priority, ',' ORDER BY id) FROM next_best_actions), "
        "(SELECT count(*) FROM health_scores), (SELECT max(updated_at) FROM risk_radar_items), "
        "(SELECT max(generated_at) FROM analytics_revenue_snapshots), (SELECT max(created_at) FROM analytics_comms_snapshots), "
        "(SELECT max(created_at) FROM daily_digests), (SELECT max(created_at) FROM weekly_digests), "
        "(SELECT max(updated_at) FROM scheduled_jobs), (SELECT count(*) FROM worker_runs))");
  }
};

// GET, as a browser would: an event stream's answer is its head and first frame, then the walk
// hangs up (the stream itself never ends); anything else is read whole.
httplib::Result get(httplib::Client& c, const std::string& path) {
  if (path.rfind("/events/stream", 0) != 0) return c.Get(path);
  auto answer = std::make_unique<httplib::Response>();
  auto r = c.Get(
      path,
      [&](const httplib::Response& head) {
        answer->status = head.status;
        answer->headers = head.headers;
        return true;
      },
      [&](const char* data, size_t length) {
        answer->body.append(data, length);
        return answer->status != 200 || answer->body.find("\n\n") == std::string::npos;
      });
  if (!answer->status) return r;  // no answer at all
  return httplib::Result(std::move(answer), httplib::Error::Success);
}

// A success as the route promises it: the envelope, metrics' text, or an event stream's first frame.
void check_success_body(const ops::Operation& op, const httplib::Response& r) {
  if (r.get_header_value("Content-Type") == "text/event-stream")
    CHECK(r.body.rfind("event: connected\ndata: {\"project_id\":", 0) == 0);
  else if (op.text.empty())
    CHECK(nlohmann::json::parse(r.body)["ok"] == (r.status < 400));
}

std::string described(const Exposure& e) {
  if (!e.cli.empty()) return "labctl " + e.cli[0] + (e.cli.size() > 1 ? " " + e.cli[1] : "");
  return e.method + " " + e.path;
}

}  // namespace

TEST_CASE_FIXTURE(WalkFixture, "registry walk: every front end of every operation does what it declares") {
  auto all = cases();
  test::Server server(env);
  auto http = server.session(p1.id);
  for (const auto& op : ops::registry()) {
    CAPTURE(op.name);
    REQUIRE_MESSAGE(all.count(op.name), "add a case for the new operation to this walk");
    const Case& c = all.at(op.name);
    if (!c.skipped.empty()) continue;
    // Every front end of the operation is walked.
    size_t cli_exposures = 0, routes = 0;
    for (const auto& e : c.exposures) (e.cli.empty() ? routes : cli_exposures) += 1;
    CHECK(cli_exposures == (op.cli_path.empty() ? 0u : 1u));
    CHECK(routes == op.routes.size());

    for (const auto& e : c.exposures) {
      std::string where = described(e);
      CAPTURE(where);
      std::optional<httplib::Client> own;
      if (e.own_session) own.emplace(server.session(p1.id));
      long long before_all = audits_everywhere(), before_jobs = jobs();
      std::string in_project = e.project.empty() ? p1.id : e.project;
      long long before = audits(in_project);
      json audit_row;
      if (!e.cli.empty()) {
        auto args = e.cli;
        if (op.scope != ops::Scope::none) args.insert(args.end(), {"--project", in_project});
        auto run = labctl(args, e.input);
        INFO(run.err);
        CHECK(run.exit_code == e.expect);
        CHECK(run.err.find("\"level\":\"error\"") == std::string::npos);
      } else {
        auto& client = own ? *own : http;
        auto r = e.method == "GET" ? get(client, e.path) : client.Post(e.path, e.body.dump(), "application/json");
        REQUIRE(r);
        INFO(r->body);
        CHECK(r->status == (e.expect ? e.expect : 200));
        CHECK_FALSE(r->get_header_value("x-request-id").empty());
        check_success_body(op, *r);
      }
      if (e.audit.empty()) {
        CHECK(audits_everywhere() == before_all);
      } else {
        // Exactly one row, the declared action, in the project it acted on (a new project's own, for
        // projects.create).
        CHECK(audits_everywhere() == before_all + 1);
        auto newest = db.text("SELECT action || ' ' || status || ' ' || project_id FROM audit_events ORDER BY id DESC LIMIT 1");
        CHECK(newest.substr(0, newest.find(' ')) == e.audit);
        if (op.name != "projects.create") CHECK(audits(in_project) == before + 1);
      }
      CHECK(jobs() == before_jobs + (e.job.empty() ? 0 : 1));
      if (!e.job.empty())
        CHECK(db.text("SELECT job_name || ' ' || status FROM job_runs ORDER BY id DESC LIMIT 1") == e.job + " ok");
    }
  }
}

TEST_CASE_FIXTURE(WalkFixture, "registry walk: without a project every scoped front end answers 409 and changes nothing") {
  auto all = cases();
  auto no_project = env;
  no_project.erase("LABCTL_PROJECT");
  test::Server server(no_project);
  // A pm with no assignments: a session that no project can be hydrated into.
  auto http = server.session(std::nullopt, "lonely", kUserPassword);
  for (const auto& op : ops::registry()) {
    if (op.scope == ops::Scope::none || op.scope == ops::Scope::optional || !all.at(op.name).skipped.empty()) continue;
    CAPTURE(op.name);
    const bool portfolio = op.scope == ops::Scope::account;
    for (const auto& e : all.at(op.name).exposures) {
      std::string where = described(e);
      CAPTURE(where);
      long long before = audits_everywhere(), before_jobs = jobs();
      if (!e.cli.empty()) {
        auto run = test::labctl(e.cli, no_project);
        if (op.name == "portfolio.messages") {
          CHECK(run.exit_code == 0);  // the project it names gives the account scope
        } else {
          CHECK(run.exit_code == 4);
          CHECK(test::lines(run.err) == 1);
          CHECK(run.err.find("--project") != std::string::npos);
        }
      } else {
        auto r = e.method == "GET" ? get(http, e.path) : http.Post(e.path, e.body.dump(), "application/json");
        REQUIRE(r);
        if (portfolio) {  // the account scope of the project named, of which this pm reaches nothing
          CHECK(r->body.find(p1.id) == std::string::npos);
          CHECK(r->status == (op.name == "portfolio.messages" ? 404 : 200));
        } else if (!op.permission.empty() && !auth::role_allows("pm", op.permission)) {
          CHECK(r->status == 403);  // the permission is judged first
        } else if (op.missing_project_code == "project_required") {
          CHECK(r->status == 400);
          CHECK(test::body_of(r)["error"] == "project_required");
        } else {
          CHECK(r->status == 409);
          CHECK(test::body_of(r)["error"] == "active_project_required");
        }
      }
      CHECK(audits_everywhere() == before);
      CHECK(jobs() == before_jobs);
    }
  }
}

TEST_CASE_FIXTURE(WalkFixture,
                  "registry walk: every protected route refuses strangers, forged requests and read-only keys, and a "
                  "viewer of one project never sees another's") {
  auto all = cases();
  test::Server server(env);
  auto stranger = server.client();
  auto login = server.login(test::kOwnerLogin, test::kOwnerPassword);
  auto forged = [&](const std::string& token) {
    auto c = server.client();
    httplib::Headers h = {{"Cookie", "sid=" + login.session_id}};
    if (!token.empty()) h.emplace("X-CSRF-Token", token);
    c.set_default_headers(h);
    return c;
  };
  auto no_token = forged(""), wrong_token = forged(std::string(login.csrf_token.size(), 'a'));
  pqxx::connection conn(env.at("DATABASE_URL"));
  auto read_key = server.client();
  read_key.set_default_headers(
      {{"X-API-Key", auth::create_api_key(conn, {p1.id, p1.scope, "read only", {"read"}, std::nullopt}).raw}});

  auto send = [](httplib::Client& c, const Exposure& e, const std::string& path) {
    return e.method == "GET" ? get(c, path) : c.Post(path, e.body.dump(), "application/json");
  };
  for (const auto& op : ops::registry()) {
    if (op.is_public || !all.at(op.name).skipped.empty()) continue;
    CAPTURE(op.name);
    for (const auto& e : all.at(op.name).exposures) {
      if (e.cli.size() || e.own_session) continue;
      std::string where = described(e);
      CAPTURE(where);
      const std::string before = state();
      auto r = send(stranger, e, e.path);
      REQUIRE(r);
      CHECK(r->status == 401);
      CHECK(test::body_of(r)["error"] == "unauthorized");
      if (op.mutating) {
        for (auto* c : {&no_token, &wrong_token}) {
          auto refused = send(*c, e, e.path);
          REQUIRE(refused);
          CHECK(refused->status == 403);
          CHECK(test::body_of(refused)["error"] == "csrf_invalid");
        }
        auto keyed = send(read_key, e, e.path);
        REQUIRE(keyed);
        CHECK(keyed->status == 403);
        CHECK(test::body_of(keyed)["error"] == (op.session_only ? "forbidden" : "scope_insufficient"));
      }
      CHECK(state() == before);
    }
  }

  // A viewer assigned to p1 asks every read for p2's rows, by every parameter that names a project.
  test::Project p2 = create_project("Elsewhere", 1);
  sync("chatwoot", p2);
  std::string viewer = add_user("viewer-one", "viewer");
  db.exec("INSERT INTO project_assignments (user_id, project_id) VALUES ('" + viewer + "', '" + p1.id + "')");
  auto as_viewer = server.session(std::nullopt, "viewer-one", kUserPassword);
  auto chosen = test::body_of(as_viewer.Get("/auth/me"));
  CHECK(chosen["active_project_id"] == p1.id);  // hydrated to the one it may reach
  auto select = as_viewer.Post("/projects/" + p2.id + "/select", "", "application/json");
  REQUIRE(select);
  CHECK(select->status == 403);
  CHECK(test::body_of(select)["error"] == "project_access_denied");
  auto listed = test::body_of(as_viewer.Get("/projects"));
  REQUIRE(listed["projects"].size() == 1);
  CHECK(listed["projects"][0]["id"] == p1.id);
  for (const auto& op : ops::registry()) {
    if (op.is_public || op.mutating || !all.at(op.name).skipped.empty()) continue;
    for (const auto& e : all.at(op.name).exposures) {
      if (e.cli.size()) continue;
      std::string path = e.path + (e.path.find('?') == std::string::npos ? "?" : "&") + "project_id=" + p2.id +
                         "&project_ids=" + p2.id;
      CAPTURE(path);
      auto r = get(as_viewer, path);
      REQUIRE(r);
      CHECK(r->body.find(p2.id) == std::string::npos);
    }
  }
  for (const char* path : {"/lightrag/query", "/search"}) {
    CAPTURE(path);
    auto r = as_viewer.Post(path, json{{"query", "invoice"}, {"project_id", p2.id}, {"projectIds", {p2.id}}}.dump(),
                            "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body.find(p2.id) == std::string::npos);
  }
}
