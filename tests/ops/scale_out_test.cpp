// Several `labctl serve` processes on one database behave as one behind a load balancer
// (issue: serve for real, item 9): a session made on one works on the other, the login
// brute-force limit counts across both, and an event raised through one reaches the event
// streams of the other.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/event_stream_client.hpp"
#include "support/labctl_process.hpp"
#include "support/two_projects.hpp"

using namespace labctl;
using namespace std::chrono_literals;
using json = nlohmann::json;
using test::body_of;

namespace {

httplib::Result login(httplib::Client& c, const std::string& password) {
  return c.Post("/auth/login", json{{"username", test::kOwnerLogin}, {"password", password}}.dump(), "application/json");
}

}  // namespace

TEST_CASE_FIXTURE(test::TwoProjects, "scale-out: two servers on one database share sessions, login limits and events") {
  auto env = test::test_env(url);
  test::Server a(env), b(env);

  SUBCASE("a session made on one works on the other, and a logout on either ends it") {
    auto session = a.login(test::kOwnerLogin, test::kOwnerPassword);
    httplib::Headers cookie = {{"Cookie", "sid=" + session.session_id}};
    auto on_b = b.client();
    auto me = body_of(on_b.Get("/auth/me", cookie));
    CHECK(me["authenticated"] == true);
    CHECK(me["csrf_token"] == session.csrf_token);
    CHECK(on_b.Get("/projects", cookie)->status == 200);
    httplib::Headers with_csrf = cookie;
    with_csrf.emplace("X-CSRF-Token", session.csrf_token);
    REQUIRE(on_b.Post("/projects/" + p2.id + "/select", with_csrf, "", "application/json")->status == 200);
    CHECK(body_of(a.client().Get("/auth/me", cookie))["active_project_id"] == p2.id);  // A sees B's choice
    REQUIRE(on_b.Post("/auth/logout", with_csrf, "", "application/json")->status == 200);
    CHECK(a.client().Get("/projects", cookie)->status == 401);
  }

  SUBCASE("the login brute-force limit counts failures on both") {
    auto on_a = a.client(), on_b = b.client();
    for (int i = 0; i < 5; ++i) {
      REQUIRE(login(on_a, "wrong")->status == 401);
      REQUIRE(login(on_b, "wrong")->status == 401);
    }
    for (auto* c : {&on_a, &on_b}) {
      auto locked = login(*c, test::kOwnerPassword);  // even the right password
      CHECK(locked->status == 429);
      CHECK(body_of(locked)["error"] == "login_rate_limited");
    }
  }

  SUBCASE("an event raised through one reaches the streams of the other") {
    auto session = b.login(test::kOwnerLogin, test::kOwnerPassword);
    auto select = b.client().Post("/projects/" + p1.id + "/select",
                                  httplib::Headers{{"Cookie", "sid=" + session.session_id}, {"X-CSRF-Token", session.csrf_token}},
                                  "", "application/json");
    REQUIRE(select->status == 200);
    test::EventStreamClient on_b(b.port(), "Cookie: sid=" + session.session_id);
    REQUIRE(on_b.next(5s)->event == "connected");
    test::EventStreamClient on_a(a.port(), "Cookie: sid=" + session.session_id);  // the same session, on A
    REQUIRE(on_a.next(5s)->event == "connected");
    REQUIRE(a.session(p1.id).Post("/jobs/embeddings/run", "{}", "application/json")->status == 200);
    for (auto* stream : {&on_a, &on_b}) {
      auto event = stream->next_event(5s);
      REQUIRE(event);
      CHECK(event->event == "job_completed");
      CHECK(json::parse(event->data)["job_type"] == "embeddings_run");
    }
  }
}
