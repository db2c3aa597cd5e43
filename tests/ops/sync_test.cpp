// The sync operations end to end: the built labctl syncs from a real labctl-sandbox over HTTP into
// a real database, through the CLI and serve's routes, under injected faults and bad configuration.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "support/checks.hpp"
#include "support/sync_fixture.hpp"

using namespace labctl;
using json = nlohmann::json;

namespace {

using test::Db;
using test::Project;
using test::SyncFixture;
using test::parse;

long long changed(const json& sync_result) {
  long long n = 0;
  for (const auto& r : sync_result["results"]) n += r.value("changed", 0LL);
  return n;
}

json run_status(const json& out, const std::string& connector) {
  for (const auto& r : out["results"])
    if (r["connector"] == connector) return r;
  return nullptr;
}

long long ms_of(const std::string& iso) {  // 2026-01-05T08:00:00.123Z → ms within the day
  return ((std::stoll(iso.substr(11, 2)) * 60 + std::stoll(iso.substr(14, 2))) * 60 + std::stoll(iso.substr(17, 2))) *
             1000 +
         std::stoll(iso.substr(20, 3));
}

}  // namespace

TEST_CASE_FIXTURE(SyncFixture, "sync chatwoot: conversations, messages, contacts, inboxes, attachments and rag_chunks") {
  auto out = sync("chatwoot", p1, {"--full"});
  const auto& cw = tenants[0]["chatwoot"];
  REQUIRE(out["results"].size() == 1);
  CHECK(out["results"][0]["status"] == "ok");
  CHECK(db.rows("cw_conversations", p1.id) == cw["conversations"].get<long long>());
  CHECK(db.rows("cw_messages", p1.id) == cw["messages"].get<long long>());
  CHECK(db.rows("cw_inboxes_raw", p1.id) == cw["inboxes"].get<long long>());
  long long contacts = db.rows("cw_contacts", p1.id);
  CHECK(contacts > 0);
  CHECK(contacts <= cw["contacts"].get<long long>());
  CHECK(db.rows("cw_attachments_raw", p1.id) > 0);
  // Every message points at its conversation; every conversation's contact exists.
  CHECK(db.count("SELECT count(*) FROM cw_messages m LEFT JOIN cw_conversations c "
                 "ON c.id = m.conversation_global_id WHERE c.id IS NULL") == 0);
  CHECK(db.count("SELECT count(*) FROM cw_conversations c WHERE contact_global_id IS NOT NULL AND NOT EXISTS "
                 "(SELECT 1 FROM cw_contacts k WHERE k.id = c.contact_global_id)") == 0);
  // rag_chunks: every public message with enough text, no private one, all pending embedding.
  long long embeddable = db.count("SELECT count(*) FROM cw_messages WHERE NOT private AND "
                                  "length(btrim(coalesce(content, ''))) >= 30 AND project_id = '" + p1.id + "'");
  CHECK(embeddable > 0);
  CHECK(db.count("SELECT count(DISTINCT message_global_id) FROM rag_chunks") == embeddable);
  CHECK(db.count("SELECT count(*) FROM rag_chunks r JOIN cw_messages m ON m.id = r.message_global_id "
                 "WHERE m.private") == 0);
  CHECK(db.count("SELECT count(*) FROM rag_chunks WHERE embedding_status <> 'pending'") == 0);
  // Cyrillic text arrives intact.
  CHECK(db.count("SELECT count(*) FROM cw_messages WHERE content ~ '[А-Яа-я]'") > 0);
  // State, watermark and process log.
  CHECK(db.text("SELECT status FROM connector_sync_state WHERE connector = 'chatwoot'") == "ok");
  CHECK(db.text("SELECT cursor_ts IS NOT NULL FROM sync_watermarks WHERE source = 'chatwoot:" +
                cw["account_id"].dump() + "'") == "t");
  CHECK(db.count("SELECT count(*) FROM connector_events WHERE event_type = 'process_finished' "
                 "AND source = 'chatwoot'") == 1);
}

TEST_CASE_FIXTURE(SyncFixture, "sync linear: projects, workflow states, cycles and issues with blocked flags and labels") {
  auto out = sync("linear", p1, {"--full"});
  const auto& li = tenants[0]["linear"];
  CHECK(out["results"][0]["result"]["pages"].get<int>() >= 3);  // 25 per page
  CHECK(db.rows("linear_projects_raw", p1.id) == li["projects"].get<long long>());
  CHECK(db.rows("linear_states_raw", p1.id) == li["workflow_states"].get<long long>());
  CHECK(db.rows("linear_cycles_raw", p1.id) == li["cycles"].get<long long>());
  CHECK(db.rows("linear_issues_raw", p1.id) == li["issues"].get<long long>());
  CHECK(db.count("SELECT count(*) FROM linear_issues_raw WHERE blocked AND blocked_by_count > 0") > 0);
  CHECK(db.count("SELECT count(*) FROM linear_issues_raw WHERE blocked <> (blocked_by_count > 0)") == 0);
  CHECK(db.count("SELECT count(*) FROM linear_issues_raw WHERE cardinality(labels) > 0") > 0);
  CHECK(db.count("SELECT count(*) FROM linear_issues_raw WHERE state IS NULL OR state_type IS NULL") == 0);
  CHECK(db.text("SELECT min(id) FROM linear_issues_raw").starts_with(
      "linissue:" + li["workspace_id"].get<std::string>() + ":"));
}

TEST_CASE_FIXTURE(SyncFixture, "sync attio: accounts, deals, people, activities and the CRM mirror") {
  auto out = sync("attio", p1, {"--full"});
  const auto& at = tenants[0]["attio"];
  const auto& result = out["results"][0]["result"];
  CHECK(db.rows("attio_accounts_raw", p1.id) == at["companies"].get<long long>());
  CHECK(db.rows("attio_opportunities_raw", p1.id) == at["deals"].get<long long>());
  CHECK(db.rows("attio_people_raw", p1.id) == at["people"].get<long long>());
  CHECK(db.rows("attio_activities_raw", p1.id) == at["activities"].get<long long>());
  // Every raw account is mirrored; every deal with a resolvable account is an opportunity.
  CHECK(db.count("SELECT count(*) FROM crm_accounts WHERE source_system = 'attio' AND external_ref IS NOT NULL") ==
        at["companies"].get<long long>());
  CHECK(db.count("SELECT count(*) FROM crm_opportunities WHERE source_system = 'attio'") ==
        db.count("SELECT count(*) FROM attio_opportunities_raw o WHERE EXISTS (SELECT 1 FROM crm_accounts a "
                 "WHERE a.external_ref = o.account_external_id)"));
  CHECK(db.count("SELECT count(*) FROM crm_accounts WHERE stage NOT IN ('active', 'inactive', 'prospect')") == 0);
  CHECK(result["coverage"]["total_attio_accounts"] == at["companies"]);
  CHECK(result["mirrored_crm_accounts"].get<int>() == at["companies"].get<int>());
}

TEST_CASE_FIXTURE(SyncFixture, "a second sync writes nothing and reports 0 changed rows") {
  auto first = sync("all", p1, {"--full"});
  CHECK(changed(first) > 1000);
  auto before = db.snapshot(p1);
  for (const char* mode : {"--full", "--project"}) {
    std::vector<std::string> extra;
    if (std::string(mode) == "--full") extra.push_back(mode);
    auto again = sync("all", p1, extra);
    for (const auto& run : again["results"]) {
      INFO(run.dump());
      CHECK(run["status"] == "ok");
      CHECK(run["changed"] == 0);
    }
    CHECK(db.snapshot(p1) == before);
  }
}

TEST_CASE_FIXTURE(SyncFixture, "incremental syncs pick up what changed upstream, and only that") {
  sync("all", p1, {"--full"});
  const auto& t = tenants[0];
  // A new message, an edited message, an updated issue and an updated deal.
  auto added = sandbox.mutate({{"kind", "chatwoot_message_add"}, {"conversation", 100001},
                               {"content", "Новое сообщение: нужен апрув макета до пятницы, пожалуйста"}});
  REQUIRE(added["ok"] == true);
  long long last_message = db.count("SELECT max((data->>'id')::bigint) FROM cw_messages WHERE "
                                    "conversation_global_id LIKE '%:100001'");
  auto edited = sandbox.mutate({{"kind", "chatwoot_message_edit"}, {"message", last_message},
                                {"content", "Edited: the launch moves to Monday"}});
  REQUIRE(edited["ok"] == true);
  std::string issue = db.text("SELECT external_id FROM linear_issues_raw ORDER BY updated_at LIMIT 1");
  REQUIRE(sandbox.mutate({{"kind", "linear_issue_update"}, {"issue", issue}, {"title", "Renamed upstream"}})["ok"] ==
          true);
  std::string deal = db.text("SELECT external_id FROM attio_opportunities_raw ORDER BY updated_at LIMIT 1");
  REQUIRE(sandbox.mutate({{"kind", "attio_record_update"}, {"object", "deals"}, {"record", deal},
                          {"values", {{"stage", "won"}}}})["ok"] == true);

  long long seen = sandbox.requests().back()["seq"];
  auto since = [&](const std::string& target) {
    json out = json::array();
    for (const auto& r : sandbox.requests(target))
      if (r["seq"] > seen) out.push_back(r);
    return out;
  };
  auto out = sync("all", p1);
  for (const auto& run : out["results"]) CHECK(run["status"] == "ok");
  CHECK(db.count("SELECT count(*) FROM cw_messages WHERE content LIKE 'Новое сообщение%'") == 1);
  CHECK(db.count("SELECT count(*) FROM cw_messages WHERE content = 'Edited: the launch moves to Monday'") == 1);
  CHECK(db.count("SELECT count(*) FROM rag_chunks WHERE text = 'Edited: the launch moves to Monday'") == 1);
  // Edited down to a few words: the message stays, its chunks go.
  REQUIRE(sandbox.mutate({{"kind", "chatwoot_message_edit"}, {"message", last_message}, {"content", "ok"}})["ok"] ==
          true);
  auto shorter = sync("chatwoot", p1);
  CHECK(shorter["results"][0]["result"]["deleted_chunks"] == 1);
  CHECK(db.text("SELECT content FROM cw_messages WHERE content = 'ok'") == "ok");
  CHECK(db.count("SELECT count(*) FROM rag_chunks WHERE text LIKE 'Edited: the launch%'") == 0);
  CHECK(db.text("SELECT title FROM linear_issues_raw WHERE external_id = '" + issue + "'") == "Renamed upstream");
  CHECK(db.text("SELECT stage FROM attio_opportunities_raw WHERE external_id = '" + deal + "'") == "won");
  // Incremental: far fewer requests than the full snapshot took, and Linear/Attio asked with a filter.
  CHECK(since("chatwoot.messages").size() < 10);
  REQUIRE(since("attio.deals").size() > 0);
  for (const auto& r : since("attio.deals")) CHECK(r["query"].contains("updated_after"));
  CHECK(db.rows("cw_messages", p1.id) == t["chatwoot"]["messages"].get<long long>() + 1);
}

TEST_CASE_FIXTURE(SyncFixture, "--all-projects syncs every bound project into its own scope") {
  Project p2 = create_project("Baltika", 1);
  auto out = parse(labctl({"sync", "all", "--all-projects", "--full", "--output", "json"}));
  CHECK(out["total"] == 6);
  CHECK(out["failed"] == 0);
  CHECK(db.rows("cw_messages", p1.id) == tenants[0]["chatwoot"]["messages"].get<long long>());
  CHECK(db.rows("cw_messages", p2.id) == tenants[1]["chatwoot"]["messages"].get<long long>());
  CHECK(db.rows("linear_issues_raw", p2.id) == tenants[1]["linear"]["issues"].get<long long>());
  CHECK(db.rows("attio_accounts_raw", p2.id) == tenants[1]["attio"]["companies"].get<long long>());
  // Nothing of one tenant lands in the other project.
  CHECK(db.count("SELECT count(*) FROM linear_issues_raw WHERE project_id = '" + p2.id + "' AND workspace_id = '" +
                 tenants[0]["linear"]["workspace_id"].get<std::string>() + "'") == 0);
  CHECK(db.count("SELECT count(*) FROM rag_chunks r JOIN cw_messages m ON m.id = r.message_global_id "
                 "WHERE r.project_id <> m.project_id") == 0);
}

TEST_CASE_FIXTURE(SyncFixture, "a sync killed at any point and re-run ends with the rows of an uninterrupted run") {
  // The reference: an uninterrupted run into a second database, from the same sandbox.
  auto ref_env = environment(sandbox, test::fresh_database());
  Db ref_db{ref_env.at("DATABASE_URL")};
  auto saved = env;
  env = ref_env;
  Project ref = create_project("Northwind", 0);
  sync("all", ref, {"--full"});
  env = saved;

  // Kill points: the sandbox holds a request while labctl waits on it; SIGKILL then. (Should the
  // kill come late on a slow machine, it lands at a later point: still a crash mid-sync.)
  for (const char* target : {"chatwoot.messages:nth=7", "chatwoot.messages:nth=60", "linear.PullLinearIssues:nth=2",
                             "attio.deals:nth=2", "attio.activities:nth=3"}) {
    CAPTURE(target);
    sandbox.set_faults(std::string(target) + ",delay_ms=1000");
    pid_t pid = test::start_labctl({"sync", "all", "--full", "--project", p1.id}, env);
    bool held = false;
    for (int i = 0; i < 600 && !held; ++i) {
      held = sandbox.faults()["rules"][0]["hits"].get<int>() > 0;
      if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(held);
    kill(pid, SIGKILL);
    CHECK(test::wait_exit(pid) == 128 + SIGKILL);
  }
  sandbox.set_faults("");
  sync("all", p1, {"--full"});
  auto got = db.snapshot(p1);
  auto want = ref_db.snapshot(ref);
  for (const auto& [table, _] : test::kSyncedTables) {
    CAPTURE(table);
    CHECK_FALSE(got[table].starts_with("0 rows"));
    CHECK(got[table] == want[table]);
  }
}

TEST_CASE_FIXTURE(SyncFixture, "transient faults (503 burst, 429 with Retry-After, a slow response) are retried") {
  env["CONNECTOR_HTTP_TIMEOUT_MS"] = "500";
  sandbox.set_faults(
      "chatwoot.messages:nth=3,count=2,status=503;linear.PullLinearIssues:nth=1,status=429,retry_after=1;"
      "attio.people:nth=1,delay_ms=1500");
  auto out = sync("all", p1, {"--full"});
  for (const auto& run : out["results"]) CHECK(run["status"] == "ok");
  CHECK(db.rows("cw_messages", p1.id) == tenants[0]["chatwoot"]["messages"].get<long long>());
  CHECK(db.rows("linear_issues_raw", p1.id) == tenants[0]["linear"]["issues"].get<long long>());
  CHECK(db.rows("attio_people_raw", p1.id) == tenants[0]["attio"]["people"].get<long long>());
  CHECK(db.count("SELECT count(*) FROM connector_errors") == 0);
  // The 429 was honoured: the retry came at least Retry-After later.
  auto linear = sandbox.requests("linear.PullLinearIssues");
  REQUIRE(linear.size() >= 2);
  CHECK(linear[0]["status"] == 429);
  CHECK(ms_of(linear[1]["time"]) - ms_of(linear[0]["time"]) >= 900);
  // The 503s were retried on the same request.
  auto messages = sandbox.requests("chatwoot.messages");
  CHECK(messages[2]["status"] == 503);
  CHECK(messages[3]["status"] == 503);
  CHECK(messages[4]["path"] == messages[2]["path"]);
}

TEST_CASE_FIXTURE(SyncFixture, "a malformed payload is a queued connector error; connectors retry completes it") {
  sandbox.set_faults("linear.PullLinear:nth=1,malformed");
  auto failed = labctl({"sync", "linear", "--project", p1.id});
  CHECK(failed.exit_code == 6);
  CHECK(failed.err.find("Linear GraphQL returned invalid JSON") != std::string::npos);
  CHECK(failed.err.find("sandbox-linear-token") == std::string::npos);
  CHECK(db.text("SELECT status || ' ' || attempt || ' ' || (next_retry_at > now()) FROM connector_errors") ==
        "pending 1 true");
  CHECK(db.text("SELECT error_message FROM connector_errors").find("invalid JSON") != std::string::npos);
  CHECK(db.text("SELECT payload_json->>'error_code' FROM connector_errors") == "upstream_invalid_json");
  // The body is the customers' data: its size is kept, never its text.
  CHECK(db.count("SELECT (payload_json->'details'->>'bytes')::int FROM connector_errors") > 0);
  CHECK(db.text("SELECT payload_json::text FROM connector_errors").find("body_prefix") == std::string::npos);
  CHECK(db.text("SELECT status FROM connector_sync_state WHERE connector = 'linear'") == "failed");

  // Not due yet: nothing is retried.
  auto early = parse(labctl({"connectors", "retry", "--project", p1.id, "--output", "json"}));
  CHECK(early["due"] == 0);
  db.exec("UPDATE connector_errors SET next_retry_at = now()");
  auto retried = parse(labctl({"connectors", "retry", "--project", p1.id, "--output", "json"}));
  CHECK(retried["succeeded"] == 1);
  CHECK(db.text("SELECT status FROM connector_errors") == "resolved");
  CHECK(db.text("SELECT status FROM connector_sync_state WHERE connector = 'linear'") == "ok");
  CHECK(db.rows("linear_issues_raw", p1.id) == tenants[0]["linear"]["issues"].get<long long>());
}

TEST_CASE_FIXTURE(SyncFixture, "after the max attempts an error is dead-lettered; retry --id brings it back") {
  env["CONNECTOR_MAX_RETRIES"] = "2";
  sandbox.set_faults("attio.companies:every,status=500");
  CHECK(labctl({"sync", "attio", "--project", p1.id}).exit_code == 6);
  db.exec("UPDATE connector_errors SET next_retry_at = now()");
  auto retried = parse(labctl({"connectors", "retry", "--project", p1.id, "--output", "json"}));
  CHECK(retried["failed"] == 1);
  auto dead = parse(labctl({"connectors", "errors", "--dead-letter", "--project", p1.id, "--output", "json"}));
  REQUIRE(dead["errors"].size() == 1);
  CHECK(dead["errors"][0]["attempt"] == 2);
  CHECK(dead["errors"][0]["connector"] == "attio");
  // A dead letter is not retried by the due pass.
  db.exec("UPDATE connector_errors SET next_retry_at = now()");
  CHECK(parse(labctl({"connectors", "retry", "--project", p1.id, "--output", "json"}))["due"] == 0);

  sandbox.set_faults("");
  std::string id = dead["errors"][0]["id"].dump();
  auto back = parse(labctl({"connectors", "retry", "--id", id, "--project", p1.id, "--output", "json"}));
  CHECK(back["succeeded"] == 1);
  CHECK(db.text("SELECT status FROM connector_errors WHERE id = " + id) == "resolved");
  CHECK(db.rows("attio_accounts_raw", p1.id) == tenants[0]["attio"]["companies"].get<long long>());
  // Only a dead letter can be brought back.
  auto again = labctl({"connectors", "retry", "--id", id, "--project", p1.id});
  CHECK(again.exit_code == 3);
}

TEST_CASE_FIXTURE(SyncFixture, "one connector failing never stops the others, and the command says so") {
  sandbox.set_faults("attio.companies:every,status=500");
  auto run = labctl({"sync", "all", "--project", p1.id, "--output", "json"});
  CHECK(run.exit_code == 6);
  auto out = parse(run);
  CHECK(out["failed"] == 1);
  CHECK(run_status(out, "chatwoot")["status"] == "ok");
  CHECK(run_status(out, "linear")["status"] == "ok");
  CHECK(run_status(out, "attio")["status"] == "failed");
  CHECK(run_status(out, "attio")["error"].get<std::string>().find("Attio GET /v2/objects/companies/records failed (500)") !=
        std::string::npos);
  CHECK(db.rows("linear_issues_raw", p1.id) > 0);
  CHECK(db.count("SELECT count(*) FROM connector_events WHERE event_type = 'process_warning' AND "
                 "payload_json->>'warning_message' = 'One or more connectors failed in cycle'") == 1);
  // Soft lists: people and activities failing are warnings, the sync completes.
  sandbox.set_faults("attio.people:every,status=500;attio.activities:every,malformed");
  auto soft = sync("attio", p1);
  CHECK(run_status(soft, "attio")["result"]["soft_failures"] == 2);
  CHECK(db.rows("attio_accounts_raw", p1.id) == tenants[0]["attio"]["companies"].get<long long>());
}

TEST_CASE_FIXTURE(SyncFixture, "records repeated across pages or updated mid-sync are neither duplicated nor lost") {
  sandbox.set_faults(
      "linear.PullLinearIssues:nth=2,duplicate_across_pages;attio.people:nth=2,duplicate_across_pages;"
      "chatwoot.conversations:nth=1,duplicate_across_pages;linear.PullLinearIssues:nth=1,mutate_after;"
      "chatwoot.messages:nth=2,mutate_after");
  sync("all", p1, {"--full"});
  CHECK(db.rows("linear_issues_raw", p1.id) == tenants[0]["linear"]["issues"].get<long long>());
  CHECK(db.rows("attio_people_raw", p1.id) == tenants[0]["attio"]["people"].get<long long>());
  // The next incremental sync catches what changed while the first one paged: the database
  // then equals a fresh full snapshot.
  sandbox.set_faults("");
  sync("all", p1);
  auto saved = env;
  env = environment(sandbox, test::fresh_database());
  Db ref{env.at("DATABASE_URL")};
  Project rp = create_project("Northwind", 0);
  sync("all", rp, {"--full"});
  env = saved;
  auto got = db.snapshot(p1), want = ref.snapshot(rp);
  for (const auto& [table, _] : test::kSyncedTables) {
    CAPTURE(table);
    CHECK(got[table] == want[table]);
  }
}

TEST_CASE_FIXTURE(SyncFixture, "bad configuration: a clear error naming the setting, and nothing synced") {
  auto no_token = env;
  no_token.erase("LINEAR_API_TOKEN");
  auto run = test::labctl({"sync", "linear", "--project", p1.id}, no_token);
  CHECK(run.exit_code == 8);
  CHECK(run.err.find("linear.api_token (LINEAR_API_TOKEN) is not set") != std::string::npos);
  CHECK(db.count("SELECT count(*) FROM connector_errors WHERE connector = 'linear' AND error_kind = 'sync_failed' "
                 "AND error_message LIKE 'linear.api_token%'") == 1);

  auto bad_url = env;
  bad_url["CHATWOOT_BASE_URL"] = "http://127.0.0.1:1/chatwoot";
  run = test::labctl({"sync", "chatwoot", "--project", p1.id}, bad_url);
  CHECK(run.exit_code == 6);
  CHECK(run.err.find("/api/v1/accounts/") != std::string::npos);
  CHECK(run.err.find(env.at("CHATWOOT_API_TOKEN")) == std::string::npos);

  run = labctl({"sync", "jira", "--project", p1.id});
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("jira") != std::string::npos);
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);

  run = labctl({"sync", "all"});
  CHECK(run.exit_code == 4);
  CHECK(run.err.find("--all-projects") != std::string::npos);
  CHECK(db.rows("cw_messages", p1.id) == 0);
  CHECK(db.rows("linear_issues_raw", p1.id) == 0);
}

TEST_CASE_FIXTURE(SyncFixture, "serve: the sync and reconciliation routes answer with the envelope and wire codes") {
  test::Server server(env);
  auto http = server.session(p1.id);
  auto post = [&](const std::string& path) {
    auto res = http.Post(path.c_str(), "", "application/json");
    REQUIRE(res);
    return std::pair{res->status, json::parse(res->body)};
  };

  auto [status, body] = post("/connectors/linear/sync");
  CHECK(status == 200);
  CHECK(body["ok"] == true);
  CHECK(body["result"]["connector"] == "linear");
  CHECK(body["result"]["event_log"]["inserted"].get<int>() > 0);

  std::tie(status, body) = post("/connectors/jira/sync");
  CHECK(status == 400);
  CHECK(body["error"] == "unsupported_connector");

  std::tie(status, body) = post("/jobs/attio/sync");
  CHECK(status == 200);
  CHECK(db.text("SELECT status || ' ' || processed_count FROM job_runs WHERE job_name = 'attio_sync'") ==
        "ok " + std::to_string(tenants[0]["attio"]["companies"].get<int>() + tenants[0]["attio"]["deals"].get<int>()));

  sandbox.set_faults("chatwoot.inboxes:every,status=500");
  std::tie(status, body) = post("/jobs/chatwoot/sync");
  CHECK(status == 500);
  CHECK(body["error"] == "chatwoot_sync_failed");
  CHECK(db.text("SELECT status FROM job_runs WHERE job_name = 'chatwoot_sync'") == "failed");
  std::tie(status, body) = post("/connectors/chatwoot/sync");
  CHECK(status == 500);
  CHECK(body["error"] == "connector_sync_failed");
  sandbox.set_faults("");

  std::tie(status, body) = post("/connectors/sync");
  INFO(body.dump());
  CHECK(status == 200);
  CHECK(body["result"]["total"] == 3);
  CHECK(body["result"]["ok"] == 3);
  CHECK(body["result"]["reconciliation"]["metrics"].size() == 4);

  std::tie(status, body) = post("/connectors/errors/retry");
  CHECK(status == 200);
  CHECK(body["result"].contains("due"));

  std::tie(status, body) = post("/connectors/reconciliation/run");
  CHECK(status == 200);
  CHECK(body["result"]["source"] == "manual");
  auto list = http.Get("/connectors/reconciliation?days=1000");
  REQUIRE(list);
  CHECK(list->status == 200);
  CHECK(json::parse(list->body)["latest"].size() == 4);
  auto diff = http.Get("/connectors/reconciliation/diff");
  REQUIRE(diff);
  CHECK(json::parse(diff->body)["diff"].size() == 3);

  // A project whose Chatwoot account is bound elsewhere: 409 with the binding wire code.
  auto p2 = parse(labctl({"projects", "create", "Unbound", "--output", "json"}))["project"]["id"].get<std::string>();
  auto res = server.session(p2).Post("/jobs/chatwoot/sync", "", "application/json");
  REQUIRE(res);
  CHECK(res->status == 409);
  CHECK(json::parse(res->body)["error"] == "chatwoot_source_binding_error");
}

TEST_CASE_FIXTURE(SyncFixture, "hostile text: NUL in a message of a synced conversation, and a record PostgreSQL refuses") {
  sync("chatwoot", p1, {"--full"});
  sync("chatwoot", p1);
  const std::string nul_text = std::string("before") + '\0' + "after, and long enough to be chunked for search";
  REQUIRE(sandbox.mutate({{"kind", "chatwoot_message_add"}, {"conversation", 100001}, {"content", nul_text}})["ok"] ==
          true);
  auto out = sync("chatwoot", p1);
  CHECK(out["results"][0]["result"]["refused_records"] == 0);
  CHECK(db.count("SELECT count(*) FROM cw_messages WHERE content = 'beforeafter, and long enough to be chunked for "
                 "search'") == 1);
  CHECK(db.count("SELECT count(*) FROM rag_chunks WHERE text = 'beforeafter, and long enough to be chunked for "
                 "search'") == 1);

  // A record the database refuses (here: a constraint its text breaks) is left out and named; the
  // rest of its page, and the pages after it, arrive.
  db.exec("ALTER TABLE cw_messages ADD CONSTRAINT no_poison CHECK (content NOT LIKE '%POISON%')");
  REQUIRE(sandbox.mutate({{"kind", "chatwoot_message_add"}, {"conversation", 100001},
                          {"content", "POISON: private words of customer A"}})["ok"] == true);
  REQUIRE(sandbox.mutate({{"kind", "chatwoot_message_add"}, {"conversation", 100001},
                          {"content", "A later message that must arrive"}})["ok"] == true);
  out = sync("chatwoot", p1);
  CHECK(out["results"][0]["status"] == "ok");
  CHECK(out["results"][0]["result"]["refused_records"] == 1);
  CHECK(db.count("SELECT count(*) FROM cw_messages WHERE content = 'A later message that must arrive'") == 1);
  auto refused = db.text("SELECT error_kind || ' ' || status || ' ' || error_message FROM connector_errors "
                         "WHERE error_kind = 'record_refused'");
  CHECK(refused.rfind("record_refused dead_letter PostgreSQL refused cw_messages record cwmsg:" + p1.id, 0) == 0);
  CHECK(refused.find("(SQLSTATE 23514)") != std::string::npos);
  // No error anywhere quotes the row: not the queue, not the state, not the event log.
  for (const char* where : {"SELECT string_agg(error_message || payload_json::text, ' ') FROM connector_errors",
                            "SELECT string_agg(coalesce(last_error, '') || meta::text, ' ') FROM connector_sync_state",
                            "SELECT string_agg(payload_json::text, ' ') FROM connector_events WHERE event_type LIKE 'process_%'"})
    CHECK(db.text(where).find("private words") == std::string::npos);
  // Refused again by a full re-read: still one row, counted again.
  sync("chatwoot", p1, {"--full"});
  CHECK(db.count("SELECT count(*) FROM connector_errors WHERE error_kind = 'record_refused'") == 1);
  CHECK(db.count("SELECT attempt FROM connector_errors WHERE error_kind = 'record_refused'") == 2);
}

TEST_CASE_FIXTURE(SyncFixture, "an upstream 200 of the wrong shape is a failed sync naming the missing field, not 0 changes") {
  sync("all", p1);
  struct Shape {
    std::string connector, fault, field;
  };
  for (const auto& s : std::vector<Shape>{
           {"chatwoot", "chatwoot.conversations:every,status=200,body={}", "data.payload or payload"},
           {"chatwoot", "chatwoot.conversations:every,status=200,body={\"data\":null}", "data.payload or payload"},
           {"linear", "linear.PullLinearIssues:every,status=200,body={\"data\":null}", "issues.nodes"},
           {"linear", "linear.PullLinear:every,status=200,body={}", "projects.nodes"},
           {"attio", "attio.companies:every,status=200,body={}", "data or results or items"},
           {"attio", "attio.deals:every,status=200,body={\"data\":null}", "data or results or items"}}) {
    CAPTURE(s.fault);
    std::string before = db.text("SELECT last_success_at::text FROM connector_sync_state WHERE project_id = '" + p1.id +
                                 "' AND connector = '" + s.connector + "'");
    sandbox.set_faults(s.fault);
    auto run = labctl({"sync", s.connector, "--project", p1.id});
    sandbox.set_faults("");
    CHECK(run.exit_code == 6);
    CHECK(test::lines(run.err) == 1);
    CHECK(run.err.find("has no " + s.field + " array") != std::string::npos);
    CHECK(db.text("SELECT status || ' ' || last_success_at::text FROM connector_sync_state WHERE project_id = '" +
                  p1.id + "' AND connector = '" + s.connector + "'") == "failed " + before);
    CHECK(db.count("SELECT count(*) FROM connector_errors WHERE connector = '" + s.connector +
                   "' AND payload_json->>'error_code' = 'upstream_invalid_shape'") >= 1);
  }
  // The next good run succeeds again.
  for (const auto& run : sync("all", p1)["results"]) CHECK(run["status"] == "ok");
}

TEST_CASE_FIXTURE(SyncFixture, "one run of a connector per project at a time; a run that died reads as interrupted") {
  sandbox.set_faults("linear.PullLinearIssues:nth=1,delay_ms=3000");
  pid_t pid = test::start_labctl({"sync", "linear", "--project", p1.id}, env);
  bool held = false;
  for (int i = 0; i < 600 && !held; ++i) {
    held = sandbox.faults()["rules"][0]["hits"].get<int>() > 0;
    if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(held);
  // A second run while the first holds the connector: refused, nothing recorded as a failure.
  auto second = labctl({"sync", "linear", "--project", p1.id});
  CHECK(second.exit_code == 4);
  CHECK(second.err.find("a linear sync of project " + p1.id + " is already running") != std::string::npos);
  auto states = [&] {
    json by = json::object();
    json listed = parse(labctl({"connectors", "state", "--project", p1.id, "-o", "json"}));
    INFO(listed.dump());
    for (const auto& s : listed["connectors"]) by[s["connector"].get<std::string>()] = s["status"];
    return by;
  };
  CHECK(states()["linear"] == "running");
  kill(pid, SIGKILL);
  CHECK(test::wait_exit(pid) == 128 + SIGKILL);
  for (int i = 0; i < 50 && states()["linear"] != "interrupted"; ++i)  // the server notices the dead session
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(states()["linear"] == "interrupted");
  CHECK(db.count("SELECT count(*) FROM connector_errors WHERE connector = 'linear'") == 0);
  sandbox.set_faults("");
  sync("linear", p1);
  CHECK(states()["linear"] == "ok");
}
