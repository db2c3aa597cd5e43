// The auth operations through a real `labctl serve`: login, sessions and their cookies, CSRF, the
// login brute-force limit, API keys, roles and project access (api.md §2, §8 scenarios 4–12, 21,
// 22), and the users and assignments routes with their error codes (users.md).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <regex>

#include "labctl/core/config.hpp"
#include "labctl/domains/auth/passwords.hpp"
#include "labctl/ops/authentication.hpp"
#include "support/checks.hpp"
#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::body_of;

namespace {

struct AuthFixture {
  std::string url = test::fresh_database();
  std::map<std::string, std::string> env = test::test_env(url);
  pqxx::connection conn{url};

  std::string scalar(const std::string& sql) {
    auto r = pqxx::nontransaction(conn).exec(sql);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].c_str();
  }
  std::string project(const std::string& name) {
    return json::parse(test::labctl({"projects", "create", name, "-o", "json"}, env).out)["project"]["id"];
  }
  // A user with a cheap hash (cost 4); the CLI's cost-12 path is tested once below.
  std::string user(const std::string& name, const std::string& role, const std::string& password = "password-1") {
    return scalar("INSERT INTO app_users (username, password_hash, role) VALUES ('" + name + "', '" +
                  auth::hash_password(password, 4) + "', '" + role + "') RETURNING id::text");
  }
};

httplib::Result login(httplib::Client& c, const std::string& name, const std::string& password) {
  return c.Post("/auth/login", json{{"username", name}, {"password", password}}.dump(), "application/json");
}

std::string set_cookie(const httplib::Response& r, const std::string& name) {
  for (const auto& [header, value] : r.headers)
    if (header == "Set-Cookie" && value.rfind(name + "=", 0) == 0) return value;
  return "";
}

}  // namespace

TEST_CASE_FIXTURE(AuthFixture, "login: cookies, /auth/me, logout; wrong password and unknown user look alike") {
  test::Server server(env);
  auto c = server.client();
  auto unknown = login(c, "nobody", "x"), wrong = login(c, test::kOwnerLogin, "not-it");
  CHECK(unknown->status == 401);
  CHECK(wrong->status == 401);
  CHECK(body_of(unknown)["error"] == "invalid_credentials");
  CHECK(body_of(unknown)["message"] == body_of(wrong)["message"]);
  CHECK(login(c, "  ", "x")->status == 400);
  CHECK(body_of(login(c, "  ", "x"))["error"] == "missing_credentials");

  auto ok = login(c, "  OWNER ", test::kOwnerPassword);  // names are trimmed and case-insensitive
  REQUIRE(ok->status == 200);
  auto body = body_of(ok);
  CHECK(body["role"] == "owner");
  CHECK(body["user_id"].is_null());
  const std::string sid = set_cookie(*ok, "sid"), csrf = set_cookie(*ok, "csrf_token");
  CHECK(std::regex_search(sid, std::regex("^sid=[0-9a-f]{64}; Path=/; SameSite=Lax; Max-Age=1209600; HttpOnly$")));
  CHECK(std::regex_search(csrf, std::regex("^csrf_token=[0-9a-f]{48}; Path=/; SameSite=Lax; Max-Age=1209600$")));
  CHECK(csrf.substr(11, 48) == body["csrf_token"]);
  const std::string cookie = sid.substr(0, sid.find(';'));
  httplib::Headers session = {{"Cookie", cookie}};
  auto me = body_of(c.Get("/auth/me", session));
  CHECK(me["authenticated"] == true);
  CHECK(me["csrf_token"] == body["csrf_token"]);
  CHECK(body_of(c.Get("/auth/me"))["authenticated"] == false);
  CHECK(scalar("SELECT count(*) FROM auth_events WHERE action = 'auth.login_failed'") == "2");
  CHECK(scalar("SELECT count(*) FROM auth_events WHERE action = 'auth.login'") == "1");

  // Logout needs the CSRF token like any mutation; then the cookie is dead.
  CHECK(c.Post("/auth/logout", session, "", "application/json")->status == 403);
  session.emplace("X-CSRF-Token", body["csrf_token"].get<std::string>());
  auto out = c.Post("/auth/logout", session, "", "application/json");
  CHECK(out->status == 200);
  CHECK(set_cookie(*out, "sid").find("Max-Age=0") != std::string::npos);
  auto after = c.Get("/projects", session);
  CHECK(after->status == 401);
  CHECK(set_cookie(*after, "sid").find("Max-Age=0") != std::string::npos);  // an unknown session is cleared
  CHECK(body_of(c.Get("/auth/me", session))["authenticated"] == false);
}

TEST_CASE_FIXTURE(AuthFixture, "sessions idle 14 days are gone; signup and Telegram are disabled") {
  test::Server server(env);
  auto login = server.login(test::kOwnerLogin, test::kOwnerPassword);
  httplib::Headers session = {{"Cookie", "sid=" + login.session_id}};
  auto c = server.client();
  CHECK(c.Get("/projects", session)->status == 200);
  pqxx::nontransaction(conn).exec("UPDATE sessions SET last_seen_at = now() - interval '15 days'");
  CHECK(c.Get("/projects", session)->status == 401);
  // serve's sweep deletes it, and counters whose window has passed, and nothing else.
  auto fresh = server.login(test::kOwnerLogin, test::kOwnerPassword);
  pqxx::nontransaction(conn).exec("INSERT INTO login_failures (attempt_key, failures, window_started_at) VALUES "
                                  "('old', 3, now() - interval '16 minutes'), ('new', 3, now())");
  ops::sweep_auth_state(conn, Config::load_from({}, std::nullopt, {}));
  CHECK(scalar("SELECT string_agg(session_id, ',') FROM sessions") == fresh.session_id);
  CHECK(scalar("SELECT string_agg(attempt_key, ',') FROM login_failures") == "new");
  auto status = body_of(c.Get("/auth/signup/status"));
  CHECK(status["enabled"] == false);
  CHECK(status["reason"] == "signup_disabled");
  for (const char* path : {"/auth/signup/start", "/auth/signup/confirm"}) {
    auto r = c.Post(path, "", "application/json");
    CHECK(r->status == 410);
    CHECK(body_of(r)["error"] == "signup_disabled");
  }
  CHECK(body_of(c.Post("/auth/telegram/webhook", "", "application/json"))["error"] == "telegram_disabled");
}

TEST_CASE_FIXTURE(AuthFixture, "the login limit: 10 failures lock (ip, user), even the right password; others go on") {
  test::Server server(env);
  auto c = server.client();
  user("anna", "pm");
  for (int i = 0; i < 10; ++i) CHECK(login(c, "anna", "wrong")->status == 401);
  auto locked = login(c, "anna", "password-1");
  CHECK(locked->status == 429);
  CHECK(body_of(locked)["error"] == "login_rate_limited");
  CHECK(login(c, test::kOwnerLogin, test::kOwnerPassword)->status == 200);  // another user from this address
  // A second serve on the same database counts the same failures.
  test::Server other(env);
  auto c2 = other.client();
  CHECK(login(c2, "anna", "password-1")->status == 429);
  pqxx::nontransaction(conn).exec("UPDATE login_failures SET window_started_at = now() - interval '16 minutes'");
  CHECK(login(c2, "anna", "password-1")->status == 200);
  CHECK(scalar("SELECT count(*) FROM login_failures") == "0");  // success clears the counter
}

TEST_CASE_FIXTURE(AuthFixture, "CSRF: a mutation without the token or with a wrong one of equal length changes nothing") {
  std::string p1 = project("P1");
  test::Server server(env);
  auto login = server.login(test::kOwnerLogin, test::kOwnerPassword);
  auto c = server.client();
  httplib::Headers bare = {{"Cookie", "sid=" + login.session_id}};
  httplib::Headers wrong = bare;
  wrong.emplace("X-CSRF-Token", std::string(login.csrf_token.size(), '0'));
  for (const auto& h : {bare, wrong}) {
    auto r = c.Post("/projects", h, R"({"name":"Sneaky"})", "application/json");
    CHECK(r->status == 403);
    CHECK(body_of(r)["error"] == "csrf_invalid");
  }
  CHECK(scalar("SELECT count(*) FROM projects WHERE name = 'Sneaky'") == "0");
  CHECK(c.Get("/projects", bare)->status == 200);  // reads need no token
}

TEST_CASE_FIXTURE(AuthFixture, "roles and project access: a pm of P1 sees P1 only, cannot select P2 or create projects") {
  std::string p1 = project("P1"), p2 = project("P2");
  std::string pm = user("pat", "pm");
  pqxx::nontransaction(conn).exec("INSERT INTO project_assignments (user_id, project_id) VALUES ('" + pm + "', '" + p1 + "')");
  test::Server server(env);
  auto c = server.session(std::nullopt, "pat", "password-1");
  auto me = body_of(c.Get("/auth/me"));
  CHECK(me["role"] == "pm");
  CHECK(me["active_project_id"] == p1);
  auto listed = body_of(c.Get("/projects"))["projects"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["id"] == p1);
  auto select = c.Post("/projects/" + p2 + "/select", "", "application/json");
  CHECK(select->status == 403);
  CHECK(body_of(select)["error"] == "project_access_denied");
  auto create = c.Post("/projects", R"({"name":"Mine now"})", "application/json");
  CHECK(create->status == 403);
  CHECK(body_of(create)["error"] == "forbidden");
  CHECK(c.Get("/users")->status == 403);
  CHECK(c.Get("/users/" + pm)->status == 200);  // but oneself
  // Unassigned from the project it has selected: its requests there are refused.
  pqxx::nontransaction(conn).exec("DELETE FROM project_assignments");
  auto denied = c.Get("/connectors/state");
  CHECK(denied->status == 403);
  CHECK(body_of(denied)["error"] == "project_access_denied");
}

TEST_CASE_FIXTURE(AuthFixture, "API keys: 46 characters, stored as SHA-256 only, read or write, never on /api-keys") {
  std::string p1 = project("P1"), p2 = project("P2");
  test::Server server(env);
  auto owner = server.session(p1);
  auto made = owner.Post("/api-keys", R"({"name":"ci","scopes":["read","bogus"]})", "application/json");
  REQUIRE(made->status == 201);
  auto key = body_of(made)["data"];
  CHECK(body_of(made).contains("request_id") == false);
  const std::string raw = key["key"];
  CHECK(raw.size() == 46);
  CHECK(raw.rfind("lp_", 0) == 0);
  CHECK(key["scopes"] == json::array({"read"}));
  CHECK(scalar("SELECT count(*) FROM api_keys WHERE key_hash = encode(sha256('" + raw + "'), 'hex')") == "1");
  CHECK(scalar("SELECT count(*) FROM api_keys WHERE key_prefix || name || key_hash LIKE '%" + raw + "%'") == "0");
  auto listing = owner.Get("/api-keys");
  CHECK(listing->body.find(raw) == std::string::npos);
  auto writer = body_of(owner.Post("/api-keys", R"({"scopes":"write"})", "application/json"))["data"];
  CHECK(writer["name"] == "Unnamed key");
  CHECK(owner.Post("/api-keys", R"({"expires_at":"soon"})", "application/json")->status == 400);
  CHECK(body_of(owner.Post("/api-keys/revoke", "{}", "application/json"))["error"] == "id_required");
  CHECK(body_of(owner.Post("/api-keys/revoke", R"({"id":"x"})", "application/json"))["error"] == "invalid_uuid");

  auto c = server.client();
  httplib::Headers read = {{"X-API-Key", raw}}, write = {{"X-API-Key", writer["key"].get<std::string>()}};
  CHECK(c.Get("/connectors/state", read)->status == 200);
  auto post = c.Post("/search/analytics", read, R"({"query":"x"})", "application/json");
  CHECK(post->status == 403);
  CHECK(body_of(post)["error"] == "scope_insufficient");
  CHECK(c.Post("/search/analytics", write, R"({"query":"x"})", "application/json")->status == 200);  // no CSRF
  CHECK(c.Get("/api-keys", write)->status == 403);
  // A P1 key never reaches P2, whatever it asks for.
  auto projects = c.Get("/projects?project_id=" + p2, read);
  CHECK(projects->body.find(p2) == std::string::npos);
  CHECK(body_of(c.Post("/projects/" + p2 + "/select", write, "", "application/json"))["active_project_id"] == p1);
  // Expired and revoked keys are 401.
  pqxx::nontransaction(conn).exec("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE key_hash = encode(sha256('" + raw + "'), 'hex')");
  auto expired = c.Get("/connectors/state", read);
  CHECK(expired->status == 401);
  CHECK(body_of(expired)["message"] == "API key expired");
  CHECK(owner.Post("/api-keys/revoke", json{{"id", writer["id"]}}.dump(), "application/json")->status == 200);
  CHECK(c.Get("/connectors/state", write)->status == 401);
  CHECK(owner.Post("/api-keys/revoke", json{{"id", writer["id"]}}.dump(), "application/json")->status == 404);
}

TEST_CASE_FIXTURE(AuthFixture, "users and assignments: every error code, the last owner kept, sessions ended") {
  std::string p1 = project("P1");
  test::Server server(env);
  auto owner = server.session(p1);
  auto post = [&](const std::string& path, const json& body) {
    auto r = owner.Post(path, body.dump(), "application/json");
    REQUIRE(r);
    return std::make_pair(r->status, body_of(r));
  };
  auto [created, made] = post("/users", {{"username", " Kim "}, {"password", "long-enough"}, {"email", "Kim@Example.com"}});
  CHECK(created == 201);
  CHECK(made["user"]["username"] == "kim");
  CHECK(made["user"]["role"] == "pm");
  CHECK(scalar("SELECT password_hash FROM app_users WHERE username = 'kim'").rfind("$2b$12$", 0) == 0);
  const std::string kim = made["user"]["id"];
  CHECK(post("/users", {{"username", "KIM"}, {"password", "long-enough"}}).second["error"] == "username_taken");
  CHECK(post("/users", {{"username", "lee"}, {"password", "long-enough"}, {"email", "kim@example.COM"}}).second["error"] ==
        "email_taken");
  CHECK(post("/users", {{"username", "lee"}, {"password", "short"}}).second["error"] == "validation_error");
  CHECK(post("/users", {{"username", "lee"}, {"password", "long-enough"}, {"email", "nope"}}).first == 400);
  CHECK(post("/users/" + kim + "/update", json::object()).second["error"] == "no_changes");
  CHECK(post("/users/not-a-uuid/update", {{"role", "viewer"}}).second["error"] == "invalid_uuid");
  CHECK(post("/users/6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c/update", {{"role", "viewer"}}).second["error"] ==
        "user_not_found");
  auto cleared = post("/users/" + kim + "/update", {{"email", nullptr}});
  CHECK(cleared.second["user"]["email"].is_null());
  CHECK(scalar("SELECT payload->>'changes' FROM audit_events WHERE action = 'user.update'") == "[\"email\"]");

  // Kim's session ends when her role changes.
  auto as_kim = server.session(std::nullopt, "kim", "long-enough");
  CHECK(as_kim.Get("/auth/me")->status == 200);
  CHECK(post("/users/" + kim + "/update", {{"role", "viewer"}}).first == 200);
  CHECK(body_of(as_kim.Get("/auth/me"))["authenticated"] == false);

  // Assignments.
  auto [new_status, assigned] = post("/project-assignments", {{"user_id", kim}, {"project_id", p1}});
  CHECK(new_status == 201);
  CHECK(assigned["already_assigned"] == false);
  auto [again_status, again] = post("/project-assignments", {{"user_id", kim}, {"project_id", p1}});
  CHECK(again_status == 200);
  CHECK(again["assignment"].is_null());
  CHECK(post("/project-assignments", {{"user_id", kim}, {"project_id", "6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c"}})
            .second["error"] == "project_not_found");
  auto listed = body_of(owner.Get("/project-assignments?user_id=" + kim))["assignments"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["project_name"] == "P1");
  CHECK(body_of(owner.Get("/users/" + kim))["project_assignments"].size() == 1);
  CHECK(post("/project-assignments/remove", {{"user_id", kim}, {"project_id", p1}}).second["removed"] == true);
  CHECK(post("/project-assignments/remove", {{"user_id", kim}, {"project_id", p1}}).second["error"] ==
        "assignment_not_found");

  // The last owner can be neither demoted nor deleted; a user cannot delete themselves.
  auto boss = test::labctl({"users", "create", "boss", "--role", "owner", "--password-stdin", "-o", "json"}, env,
                           "boss-password\n");
  REQUIRE(boss.exit_code == 0);
  const std::string boss_id = json::parse(boss.out)["user"]["id"];
  auto demote = test::labctl({"users", "update", boss_id, "--role", "pm"}, env);
  CHECK(demote.exit_code == 4);
  CHECK(demote.err.find("last owner") != std::string::npos);
  auto as_boss = server.session(std::nullopt, "boss", "boss-password");
  auto self = as_boss.Post("/users/" + boss_id + "/delete", "", "application/json");
  CHECK(body_of(self)["error"] == "self_delete");
  CHECK(test::labctl({"users", "delete", boss_id}, env).exit_code == 4);
  CHECK(body_of(as_boss.Post("/users/" + kim + "/delete", "", "application/json"))["deleted"] == true);
  CHECK(scalar("SELECT count(*) FROM app_users WHERE username = 'kim'") == "0");
  // Passwords never come from argv, never reach audit rows.
  CHECK(test::labctl({"users", "create", "argv", "--password", "in-the-open"}, env).exit_code == 2);
  CHECK(scalar("SELECT count(*) FROM audit_events WHERE payload::text LIKE '%long-enough%'") == "0");
}
