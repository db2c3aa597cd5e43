// Every operation of the registry, through every front end it has: the CLI command and each of its
// routes. Each answers with its documented success, writes exactly the audit row it declares (and a
// job_runs row where the route is a job), and a project-scoped one without a project answers 409
// active_project_required and changes nothing. A new operation fails this test until it has a case.
#include <doctest/doctest.h>

#include <map>
#include <regex>

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
};

struct Case {
  std::vector<Exposure> exposures;
  std::string skipped;  // why the walk does not run it (it is tested in its family's file)
};

struct WalkFixture : test::SyncFixture {
  std::string dead_letter_id, query_run_id, extra_project;
  std::string man_dir = test::temp_dir("labctl-walk-man").string();

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
    };
  }

  long long audits(const std::string& project) {
    return db.count("SELECT count(*) FROM audit_events WHERE project_id = '" + project + "'");
  }
  long long audits_everywhere() { return db.count("SELECT count(*) FROM audit_events"); }
  long long jobs() { return db.count("SELECT count(*) FROM job_runs"); }
};

std::string described(const Exposure& e) {
  if (!e.cli.empty()) return "labctl " + e.cli[0] + (e.cli.size() > 1 ? " " + e.cli[1] : "");
  return e.method + " " + e.path;
}

}  // namespace

TEST_CASE_FIXTURE(WalkFixture, "registry walk: every front end of every operation does what it declares") {
  auto all = cases();
  test::Server server(env);
  auto http = server.client();
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
      long long before_all = audits_everywhere(), before_jobs = jobs();
      std::string in_project = e.project.empty() ? p1.id : e.project;
      long long before = audits(in_project);
      json audit_row;
      if (!e.cli.empty()) {
        auto args = e.cli;
        if (op.scope != ops::Scope::none) args.insert(args.end(), {"--project", in_project});
        auto run = labctl(args);
        INFO(run.err);
        CHECK(run.exit_code == e.expect);
        CHECK(run.err.find("\"level\":\"error\"") == std::string::npos);
      } else {
        auto r = e.method == "GET" ? http.Get(e.path) : http.Post(e.path, e.body.dump(), "application/json");
        REQUIRE(r);
        INFO(r->body);
        CHECK(r->status == (e.expect ? e.expect : 200));
        CHECK_FALSE(r->get_header_value("x-request-id").empty());
        if (op.text.empty()) CHECK(test::body_of(r)["ok"] == true);
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
  auto http = server.client();
  for (const auto& op : ops::registry()) {
    if (op.scope != ops::Scope::required || !all.at(op.name).skipped.empty()) continue;
    CAPTURE(op.name);
    for (const auto& e : all.at(op.name).exposures) {
      std::string where = described(e);
      CAPTURE(where);
      long long before = audits_everywhere(), before_jobs = jobs();
      if (!e.cli.empty()) {
        auto run = test::labctl(e.cli, no_project);
        CHECK(run.exit_code == 4);
        CHECK(test::lines(run.err) == 1);
        CHECK(run.err.find("--project") != std::string::npos);
      } else {
        auto r = e.method == "GET" ? http.Get(e.path) : http.Post(e.path, e.body.dump(), "application/json");
        REQUIRE(r);
        CHECK(r->status == 409);
        CHECK(test::body_of(r)["error"] == "active_project_required");
      }
      CHECK(audits_everywhere() == before);
      CHECK(jobs() == before_jobs);
    }
  }
}
