// GET /events/stream (api.md §5, §8 scenario 25) through a real `labctl serve`: who may listen,
// the first frame, per-project fan-out of NOTIFY events without scope ids, heartbeats a browser
// delivers, the caps, job routes and CLI job runs publishing, a thousand idle streams holding no
// worker, and SIGTERM ending streams with a last event.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <thread>

#include "support/checks.hpp"
#include "support/event_stream_client.hpp"
#include "support/labctl_process.hpp"
#include "support/two_projects.hpp"

using namespace labctl;
using namespace std::chrono_literals;
using json = nlohmann::json;
using test::body_of;
using test::EventStreamClient;

namespace {

std::string cookie_for(const test::Server& server, const std::optional<std::string>& project) {
  auto login = server.login(test::kOwnerLogin, test::kOwnerPassword);
  if (project) {
    auto c = server.client();
    auto r = c.Post("/projects/" + *project + "/select",
                    httplib::Headers{{"Cookie", "sid=" + login.session_id}, {"X-CSRF-Token", login.csrf_token}}, "",
                    "application/json");
    REQUIRE(r->status == 200);
  }
  return "Cookie: sid=" + login.session_id;
}

void notify(pqxx::connection& conn, const std::string& channel, const json& payload) {
  pqxx::nontransaction(conn).exec_params("SELECT pg_notify($1, $2)", channel, payload.dump());
}

// The value of an unlabelled metric in /metrics.
double metric(const test::Server& server, const std::string& name) {
  std::smatch m;
  std::string text = server.client().Get("/metrics")->body;
  REQUIRE(std::regex_search(text, m, std::regex("\n" + name + " ([0-9.e+]+)")));
  return std::stod(m[1]);
}

// Polls until `ok` holds (a server notices a closed client asynchronously), up to 5 s.
template <typename F>
bool eventually(F ok) {
  for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(50ms))
    if (ok()) return true;
  return false;
}

}  // namespace

TEST_CASE_FIXTURE(test::TwoProjects, "event stream: connected first, the project's events only, without scope ids") {
  test::Server server(test::test_env(url));
  EventStreamClient p1_stream(server.port(), cookie_for(server, p1.id));
  REQUIRE(p1_stream.status() == 200);
  const std::string& head = p1_stream.head();
  CHECK(head.find("Content-Type: text/event-stream\r\n") != std::string::npos);
  CHECK(head.find("Cache-Control: no-cache\r\n") != std::string::npos);
  CHECK(head.find("Connection: keep-alive\r\n") != std::string::npos);
  CHECK(head.find("X-Accel-Buffering: no\r\n") != std::string::npos);
  CHECK(head.find("X-Frame-Options: DENY\r\n") != std::string::npos);
  CHECK(head.find("x-request-id: ") != std::string::npos);
  CHECK(head.find("Content-Length") == std::string::npos);
  auto connected = p1_stream.next(5s);
  REQUIRE(connected);
  CHECK(connected->event == "connected");
  CHECK(json::parse(connected->data) == json{{"project_id", p1.id}});

  // A P2 event, a payload that is not JSON, one without project_id; then P1's.
  notify(conn, "job_completed", {{"project_id", p2.id}, {"account_scope_id", p2.account_scope_id},
                                 {"job_type", "embeddings_run"}, {"status", "ok"}, {"at", "2026-03-01T09:15:00.000Z"}});
  pqxx::nontransaction(conn).exec("SELECT pg_notify('job_completed', 'not json')");
  notify(conn, "job_completed", {{"job_type", "x"}});
  auto sent = std::chrono::steady_clock::now();
  notify(conn, "job_completed", {{"project_id", p1.id}, {"account_scope_id", p1.account_scope_id},
                                 {"job_type", "embeddings_run"}, {"status", "ok"}, {"at", "2026-03-01T09:15:00.000Z"}});
  auto event = p1_stream.next_event(2s);
  REQUIRE(event);
  CHECK(std::chrono::steady_clock::now() - sent < 2s);
  CHECK(event->event == "job_completed");
  CHECK(json::parse(event->data) ==
        json{{"job_type", "embeddings_run"}, {"status", "ok"}, {"at", "2026-03-01T09:15:00.000Z"}});
  notify(conn, "connector_sync_progress", {{"project_id", p1.id}, {"account_scope_id", p1.account_scope_id},
                                           {"phase", "started"}, {"connectors", {"chatwoot"}}, {"at", "t"}});
  auto progress = p1_stream.next_event(2s);
  REQUIRE(progress);
  CHECK(progress->event == "connector_sync_progress");
  CHECK(json::parse(progress->data)["phase"] == "started");
  CHECK_FALSE(json::parse(progress->data).contains("account_scope_id"));

  CHECK(metric(server, "app_redis_pubsub_received_messages_total") == 5);
  CHECK(metric(server, "app_redis_pubsub_callback_errors_total") == 2);
  CHECK(metric(server, "app_redis_pubsub_published_recipients_total") == 2);  // P2's event had no stream
  CHECK(metric(server, "app_redis_pubsub_subscribed_channels") == 3);  // job_started, job_completed, progress
  CHECK(metric(server, "app_sse_connections_total") == 1);
  CHECK(metric(server, "app_sse_projects_subscribed") == 1);
}

TEST_CASE_FIXTURE(test::TwoProjects, "event stream: 401 without credentials, 400 without a project, keys may listen") {
  test::Server server(test::test_env(url));
  EventStreamClient stranger(server.port(), "");
  CHECK(stranger.status() == 401);
  CHECK(json::parse(stranger.error_body())["error"] == "unauthorized");
  EventStreamClient forged(server.port(), "Cookie: sid=" + std::string(64, 'a'));
  CHECK(forged.status() == 401);

  // A session whose user may reach no project: no active project.
  pqxx::nontransaction(conn).exec("INSERT INTO app_users (username, password_hash, role) VALUES ('lonely', '" +
                                  std::string(test::kOwnerSecretHash) + "', 'pm')");
  auto lonely = server.login("lonely", test::kOwnerPassword);
  EventStreamClient no_project(server.port(), "Cookie: sid=" + lonely.session_id);
  CHECK(no_project.status() == 400);
  json body = json::parse(no_project.error_body());
  CHECK(body["ok"] == false);
  CHECK(body["error"] == "project_required");

  auto key = test::labctl({"api-keys", "create", "ui", "--project", p2.id, "--scopes", "read", "-o", "json"},
                          test::test_env(url));
  REQUIRE(key.exit_code == 0);
  EventStreamClient by_key(server.port(), "X-API-Key: " + json::parse(key.out)["created"]["key"].get<std::string>(),
                           "/v1/events/stream");
  REQUIRE(by_key.status() == 200);
  CHECK(json::parse(by_key.next(5s)->data)["project_id"] == p2.id);
}

TEST_CASE_FIXTURE(test::TwoProjects, "event stream: heartbeats, as a comment and as a frame EventSource delivers") {
  auto env = test::test_env(url);
  env["SSE_HEARTBEAT_MS"] = "300";  // 25 s by default
  test::Server quick(env);
  EventStreamClient stream(quick.port(), cookie_for(quick, p1.id));
  REQUIRE(stream.next(5s)->event == "connected");
  auto comment = stream.next(3s);
  REQUIRE(comment);
  CHECK(comment->comment == ": heartbeat");
  auto beat = stream.next(3s);
  REQUIRE(beat);
  CHECK(beat->event.empty());
  CHECK(json::parse(beat->data)["type"] == "heartbeat");
  CHECK(json::parse(beat->data)["at"].get<std::string>().size() == 24);
}

TEST_CASE_FIXTURE(test::TwoProjects, "event stream: the 21st stream of a project is 503 sse_limit_reached; a closed one frees its place") {
  test::Server server(test::test_env(url));
  const std::string p1_cookie = cookie_for(server, p1.id), p2_cookie = cookie_for(server, p2.id);
  std::vector<std::unique_ptr<EventStreamClient>> streams;
  for (int i = 0; i < 20; ++i) {
    streams.push_back(std::make_unique<EventStreamClient>(server.port(), p1_cookie));
    REQUIRE(streams.back()->status() == 200);
  }
  EventStreamClient refused(server.port(), p1_cookie);
  CHECK(refused.status() == 503);
  CHECK(json::parse(refused.error_body())["error"] == "sse_limit_reached");
  CHECK(refused.head().find("X-Content-Type-Options: nosniff") != std::string::npos);
  EventStreamClient other(server.port(), p2_cookie);  // another project has its own 20
  CHECK(other.status() == 200);
  CHECK(metric(server, "app_sse_connections_total") == 21);
  CHECK(metric(server, "app_sse_projects_subscribed") == 2);

  streams.pop_back();  // a client leaves
  CHECK(eventually([&] { return metric(server, "app_sse_connections_total") == 20; }));
  EventStreamClient again(server.port(), p1_cookie);
  CHECK(again.status() == 200);
}

TEST_CASE_FIXTURE(test::TwoProjects, "event stream: job routes, CLI job runs and the sync cycle publish their events") {
  auto env = test::test_env(url);
  test::Server server(env);
  EventStreamClient stream(server.port(), cookie_for(server, p1.id));
  REQUIRE(stream.next(5s)->event == "connected");
  auto c = server.session(p1.id);

  REQUIRE(c.Post("/jobs/embeddings/run", "{}", "application/json")->status == 200);
  auto ok = stream.next_event(5s);
  REQUIRE(ok);
  CHECK(ok->event == "job_completed");
  json data = json::parse(ok->data);
  CHECK(data["job_type"] == "embeddings_run");
  CHECK(data["status"] == "ok");
  CHECK(std::regex_match(data["at"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));

  CHECK(c.Post("/jobs/chatwoot/sync", "{}", "application/json")->status >= 400);  // no source bound: fails
  auto failed = stream.next_event(5s);
  REQUIRE(failed);
  CHECK(json::parse(failed->data) == json{{"job_type", "chatwoot_sync"}, {"status", "failed"},
                                          {"at", json::parse(failed->data)["at"]}});

  // The CLI's runs reach the stream through the database.
  CHECK(test::labctl({"lightrag", "refresh", "--project", p1.id}, env).exit_code == 0);
  auto cli = stream.next_event(10s);
  REQUIRE(cli);
  CHECK(json::parse(cli->data)["job_type"] == "embeddings_run");
  CHECK(test::labctl({"sync", "linear", "--project", p1.id}, env).exit_code != 0);
  auto cli_failed = stream.next_event(10s);
  REQUIRE(cli_failed);
  CHECK(json::parse(cli_failed->data)["job_type"] == "linear_sync");
  CHECK(json::parse(cli_failed->data)["status"] == "failed");

  // A sync cycle reports its phases.
  c.Post("/connectors/sync", "{}", "application/json");
  std::vector<std::string> phases;
  while (auto frame = stream.next_event(10s)) {
    CHECK(frame->event == "connector_sync_progress");
    json d = json::parse(frame->data);
    CHECK_FALSE(d.contains("project_id"));
    phases.push_back(d["phase"]);
    if (d["phase"] == "completed") {
      CHECK(d["total"] == 3);
      break;
    }
  }
  CHECK(phases == std::vector<std::string>{"started", "connectors_done", "reconciliation", "completed"});
  // P2's work is not P1's stream's business.
  CHECK(test::labctl({"lightrag", "refresh", "--project", p2.id}, env).exit_code == 0);
  CHECK_FALSE(stream.next_event(1s));
}

TEST_CASE_FIXTURE(test::TwoProjects, "event stream: a thousand idle streams hold no worker; /health answers throughout") {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 4096);
  setrlimit(RLIMIT_NOFILE, &lim);
  auto env = test::test_env(url);
  env["SSE_MAX_CONNECTIONS"] = "2000";
  env["SSE_MAX_CONNECTIONS_PER_PROJECT"] = "2000";
  test::Server server(env);
  const std::string cookie = cookie_for(server, p1.id);
  std::vector<std::unique_ptr<EventStreamClient>> streams;
  for (int i = 0; i < 1000; ++i) {
    streams.push_back(std::make_unique<EventStreamClient>(server.port(), cookie));
    REQUIRE(streams.back()->status() == 200);
  }
  CHECK(metric(server, "app_sse_connections_total") == 1000);
  // A worker may still be finishing the last hand-off; then none is busy but the /metrics request itself.
  CHECK(eventually([&] { return metric(server, "app_http_workers_busy") <= 1; }));
  CHECK(metric(server, "app_http_workers") <= 64);
  for (int i = 0; i < 20; ++i) CHECK(server.client().Get("/health")->status == 200);
  // Every one of them gets the next event.
  pqxx::connection notifier(url);
  notify(notifier, "job_completed", {{"project_id", p1.id}, {"job_type", "embeddings_run"}, {"status", "ok"}, {"at", "t"}});
  int delivered = 0;
  for (auto& s : streams) {
    s->next(5s);  // connected
    auto e = s->next_event(5s);
    delivered += e && e->event == "job_completed";
  }
  CHECK(delivered == 1000);
}

TEST_CASE_FIXTURE(test::TwoProjects, "event stream: SIGTERM ends every stream with a last event and exits 0") {
  test::Server server(test::test_env(url));
  EventStreamClient stream(server.port(), cookie_for(server, p1.id));
  REQUIRE(stream.next(5s)->event == "connected");
  CHECK(server.stop() == 0);
  auto last = stream.next_event(5s);
  REQUIRE(last);
  CHECK(last->event == "shutdown");
  CHECK(stream.connection().closed_by_server(5s));
}
