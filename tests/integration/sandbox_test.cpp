// labctl-sandbox over real HTTP: deterministic data, paging contracts, auth, the fault script,
// the admin API and the command line.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "support/sandbox_process.hpp"

using namespace labctl;
using json = nlohmann::json;

namespace {

const std::string kNow = "2025-03-01T12:00:00Z";
const httplib::Headers kChatwoot = {{"api_access_token", "sandbox-chatwoot-token"}};
const httplib::Headers kLinear = {{"Authorization", "sandbox-linear-token"}};
const httplib::Headers kAttio = {{"Authorization", "Bearer sandbox-attio-token"}};
const std::string kConversations = "/chatwoot/api/v1/accounts/101/conversations";

json body_of(const httplib::Result& r, int status = 200) {
  REQUIRE(r);
  CHECK(r->status == status);
  return json::parse(r->body);
}

std::string messages_path(int64_t conversation, std::optional<int64_t> before = std::nullopt) {
  return kConversations + "/" + std::to_string(conversation) + "/messages" +
         (before ? "?before=" + std::to_string(*before) : "");
}

httplib::Result linear(httplib::Client& c, const std::string& operation, const json& variables,
                       httplib::Headers headers = kLinear, const std::string& path = "/linear/graphql") {
  json request = {{"operationName", operation},
                  {"query", "query " + operation + "($limit: Int, $after: String) { ... }"},
                  {"variables", variables}};
  return c.Post(path, headers, request.dump(), "application/json");
}

std::string attio_id(const json& record) {
  const json& id = record["id"];
  return id.is_string() ? id.get<std::string>() : id["record_id"].get<std::string>();
}

// Every issue of the default tenant, newest-updated first, by following endCursor.
std::vector<json> all_issues(httplib::Client& c, const json& extra_variables = json::object(), int limit = 25) {
  std::vector<json> issues;
  json after = nullptr;
  for (int guard = 0; guard < 100; ++guard) {
    json vars = extra_variables;
    vars["limit"] = limit;
    vars["after"] = after;
    auto page = body_of(linear(c, "PullLinearIssues", vars))["data"]["issues"];
    for (const auto& n : page["nodes"]) issues.push_back(n);
    if (!page["pageInfo"]["hasNextPage"].get<bool>()) break;
    after = page["pageInfo"]["endCursor"];
    REQUIRE(after.is_string());
  }
  return issues;
}

// Every record of an Attio list, by following pagination.next_cursor.
std::vector<json> all_records(httplib::Client& c, const std::string& path, int limit,
                              const std::string& extra_query = "") {
  std::vector<json> records;
  std::string cursor;
  for (int guard = 0; guard < 100; ++guard) {
    std::string url = path + "?limit=" + std::to_string(limit) + extra_query;
    if (!cursor.empty()) url += "&cursor=" + cursor;
    auto page = body_of(c.Get(url, kAttio));
    CHECK(page["data"].size() <= static_cast<size_t>(limit));
    for (const auto& r : page["data"]) records.push_back(r);
    if (!page["pagination"].contains("next_cursor")) break;
    cursor = page["pagination"]["next_cursor"].get<std::string>();
  }
  return records;
}

}  // namespace

TEST_CASE("sandbox: the same seed gives the same data, another seed does not") {
  test::Sandbox a({"--seed", "7", "--now", kNow}), b({"--seed", "7", "--now", kNow}), c({"--seed", "8", "--now", kNow});
  REQUIRE(a.port() != b.port());
  auto ca = a.client(), cb = b.client(), cc = c.client();
  const std::string page = kConversations + "?page=1&per_page=10";
  auto conversations_a = body_of(ca.Get(page, kChatwoot));
  REQUIRE(conversations_a["data"]["payload"].size() == 10);
  CHECK(conversations_a == body_of(cb.Get(page, kChatwoot)));
  CHECK(conversations_a != body_of(cc.Get(page, kChatwoot)));

  int64_t first = conversations_a["data"]["payload"][0]["id"];
  CHECK(body_of(ca.Get(messages_path(first), kChatwoot)) == body_of(cb.Get(messages_path(first), kChatwoot)));
  const json twenty = {{"limit", 20}};
  auto issues_a = body_of(linear(ca, "PullLinearIssues", twenty));
  CHECK(issues_a == body_of(linear(cb, "PullLinearIssues", twenty)));
  CHECK(issues_a != body_of(linear(cc, "PullLinearIssues", twenty)));
  const std::string companies = "/attio/v2/objects/companies/records?limit=10";
  CHECK(body_of(ca.Get(companies, kAttio)) == body_of(cb.Get(companies, kAttio)));
  CHECK(a.tenants() == b.tenants());
  CHECK(a.tenants()["seed"] == 7);
  CHECK(a.tenants()["started_at"] == "2025-03-01T12:00:00.000Z");
}

TEST_CASE("sandbox: Chatwoot conversations and messages page through everything exactly once") {
  test::Sandbox sb({"--now", kNow});
  auto client = sb.client();
  auto tenant = sb.tenants()["tenants"][0]["chatwoot"];
  REQUIRE(tenant["account_id"] == 101);

  // Conversations: page/per_page, most recent activity first, the meta counts the whole list.
  std::vector<int64_t> conversations;
  int64_t last_activity = INT64_MAX;
  for (int page = 1; page <= 20; ++page) {
    auto body = body_of(client.Get(kConversations + "?page=" + std::to_string(page) + "&per_page=7", kChatwoot));
    CHECK(body["data"]["meta"]["all_count"] == tenant["conversations"]);
    auto payload = body["data"]["payload"];
    if (payload.empty()) break;
    CHECK(payload.size() <= 7);
    for (const auto& c : payload) {
      CHECK(c["account_id"] == 101);
      CHECK(c["last_activity_at"].get<int64_t>() <= last_activity);
      last_activity = c["last_activity_at"];
      conversations.push_back(c["id"]);
    }
  }
  CHECK(conversations.size() == tenant["conversations"].get<size_t>());
  CHECK(std::set<int64_t>(conversations.begin(), conversations.end()).size() == conversations.size());

  // Messages: 20 per page, oldest first within a page, `before=` the oldest id gives the page before.
  size_t total = 0, longest = 0;
  std::set<int64_t> seen;
  for (int64_t id : conversations) {
    std::optional<int64_t> before;
    size_t in_conversation = 0;
    for (int guard = 0; guard < 50; ++guard) {
      auto payload = body_of(client.Get(messages_path(id, before), kChatwoot))["payload"];
      CHECK(payload.size() <= 20);
      for (size_t i = 0; i < payload.size(); ++i) {
        CHECK(payload[i]["conversation_id"] == id);
        if (i > 0) CHECK(payload[i]["id"].get<int64_t>() > payload[i - 1]["id"].get<int64_t>());
        if (before) CHECK(payload[i]["id"].get<int64_t>() < *before);
        CHECK(seen.insert(payload[i]["id"].get<int64_t>()).second);
      }
      in_conversation += payload.size();
      if (payload.size() < 20) break;
      before = payload[0]["id"].get<int64_t>();
    }
    total += in_conversation;
    longest = std::max(longest, in_conversation);
  }
  CHECK(longest > 40);  // some conversation needs three pages
  CHECK(total == tenant["messages"].get<size_t>());
  CHECK(seen.size() == total);

  CHECK(body_of(client.Get(messages_path(1), kChatwoot), 404).contains("error"));
  CHECK(body_of(client.Get(kConversations + "/" + std::to_string(conversations[0]) + "/messages?before=x", kChatwoot),
                400)
            .contains("error"));
  auto inboxes = body_of(client.Get("/chatwoot/api/v1/accounts/101/inboxes", kChatwoot))["payload"];
  CHECK(inboxes.size() == tenant["inboxes"].get<size_t>());
  // Another tenant is another account; an unknown account is 404.
  auto other = body_of(client.Get("/chatwoot/api/v1/accounts/102/conversations?per_page=1", kChatwoot));
  CHECK(other["data"]["payload"][0]["account_id"] == 102);
  body_of(client.Get("/chatwoot/api/v1/accounts/999/conversations", kChatwoot), 404);
}

TEST_CASE("sandbox: a wrong or missing token gets 401 and is logged without the secret") {
  test::Sandbox sb({"--now", kNow});
  auto client = sb.client();
  auto chatwoot_wrong = body_of(client.Get(kConversations, {{"api_access_token", "nope"}}), 401);
  CHECK(chatwoot_wrong["error"] == "Invalid Access Token");
  body_of(client.Get(kConversations), 401);
  auto linear_bearer =
      body_of(linear(client, "PullLinear", json::object(), {{"Authorization", "Bearer sandbox-linear-token"}}), 401);
  CHECK(linear_bearer["errors"][0]["extensions"]["code"] == "AUTHENTICATION_ERROR");
  body_of(linear(client, "PullLinear", json::object(), {{"Authorization", "wrong"}}), 401);
  auto attio_wrong = body_of(client.Get("/attio/v2/objects/people/records", {{"Authorization", "Bearer nope"}}), 401);
  CHECK(attio_wrong["status_code"] == 401);
  // The Chatwoot token is not an Attio token.
  body_of(client.Get("/attio/v2/activities", {{"Authorization", "Bearer sandbox-chatwoot-token"}}), 401);

  auto log = sb.requests();
  REQUIRE(log.size() == 6);
  std::vector<std::string> auth;
  for (const auto& e : log) {
    auth.push_back(e["auth"]);
    CHECK(e["status"] == 401);
    CHECK_FALSE(e["headers"].contains("authorization"));
    CHECK_FALSE(e["headers"].contains("api_access_token"));
    CHECK(e.dump().find("sandbox-") == std::string::npos);
  }
  CHECK(auth == std::vector<std::string>{"invalid", "missing", "bearer", "invalid", "invalid", "invalid"});
}

TEST_CASE("sandbox: Linear PullLinear and PullLinearIssues page with pageInfo and filter by updatedAfter") {
  test::Sandbox sb({"--now", kNow});
  auto client = sb.client();
  auto counts = sb.tenants()["tenants"][0]["linear"];

  auto small = body_of(linear(client, "PullLinear", {{"limit", 2}}))["data"];
  for (const char* key : {"projects", "workflowStates", "cycles"}) {
    CAPTURE(key);
    CHECK(small[key]["nodes"].size() <= 2);
  }
  REQUIRE(counts["projects"].get<size_t>() > 2);
  CHECK(small["projects"]["pageInfo"]["hasNextPage"] == true);
  CHECK(small["projects"]["pageInfo"]["endCursor"] == small["projects"]["nodes"][1]["id"]);
  auto full = body_of(linear(client, "PullLinear", {{"limit", 250}}))["data"];
  CHECK(full["projects"]["nodes"].size() == counts["projects"].get<size_t>());
  CHECK(full["workflowStates"]["nodes"].size() == counts["workflow_states"].get<size_t>());
  CHECK(full["cycles"]["pageInfo"]["hasNextPage"] == false);

  auto issues = all_issues(client);
  REQUIRE(issues.size() == counts["issues"].get<size_t>());
  std::set<std::string> ids;
  for (size_t i = 0; i < issues.size(); ++i) {
    ids.insert(issues[i]["id"].get<std::string>());
    if (i > 0) CHECK(issues[i]["updatedAt"].get<std::string>() <= issues[i - 1]["updatedAt"].get<std::string>());
  }
  CHECK(ids.size() == issues.size());
  CHECK(all_issues(client, json::object(), 7).size() == issues.size());  // another page size, the same set

  // updatedAfter keeps exactly the issues updated later, still paged.
  std::string cut = issues[12]["updatedAt"];
  size_t newer = 0;
  for (const auto& is : issues) newer += is["updatedAt"].get<std::string>() > cut;
  auto recent = all_issues(client, {{"updatedAfter", cut}}, 5);
  CHECK(recent.size() == newer);
  for (const auto& is : recent) CHECK(is["updatedAt"].get<std::string>() > cut);

  auto bad = body_of(linear(client, "PullLinearIssues", {{"after", "garbage"}}), 400);
  CHECK(bad["errors"][0]["message"].get<std::string>().find("cursor") != std::string::npos);
  body_of(linear(client, "SomethingElse", json::object()), 400);
  // Tenant by header or by path.
  std::string ws2 = sb.tenants()["tenants"][1]["linear"]["workspace_id"];
  auto by_header = body_of(linear(client, "PullLinearIssues", {{"limit", 1}},
                                  {{"Authorization", "sandbox-linear-token"}, {"x-linear-workspace", ws2}}));
  auto by_path = body_of(linear(client, "PullLinearIssues", {{"limit", 1}}, kLinear, "/linear/" + ws2 + "/graphql"));
  CHECK(by_header == by_path);
  CHECK(by_header["data"]["issues"]["nodes"][0]["id"] != issues[0]["id"]);
}

TEST_CASE("sandbox: Attio lists page by next_cursor and filter by updated_after") {
  test::Sandbox sb({"--now", kNow});
  auto client = sb.client();
  auto counts = sb.tenants()["tenants"][0]["attio"];
  for (const std::string object : {"companies", "deals", "people"}) {
    CAPTURE(object);
    auto records = all_records(client, "/attio/v2/objects/" + object + "/records", 4);
    CHECK(records.size() == counts[object].get<size_t>());
    std::set<std::string> ids;
    for (const auto& r : records) ids.insert(attio_id(r));
    CHECK(ids.size() == records.size());
  }
  auto activities = all_records(client, "/attio/v2/activities", 9);
  CHECK(activities.size() == counts["activities"].get<size_t>());

  auto people = all_records(client, "/attio/v2/objects/people/records", 50);
  std::string cut = people[people.size() / 2]["updated_at"];
  size_t newer = 0;
  for (const auto& p : people) newer += p["updated_at"].get<std::string>() > cut;
  REQUIRE(newer > 0);
  REQUIRE(newer < people.size());
  auto recent = all_records(client, "/attio/v2/objects/people/records", 3, "&updated_after=" + cut);
  CHECK(recent.size() == newer);
  for (const auto& p : recent) CHECK(p["updated_at"].get<std::string>() > cut);

  CHECK(body_of(client.Get("/attio/v2/objects/people/records?cursor=zzz", kAttio), 400)["code"] == "validation_type");
  body_of(client.Get("/attio/v2/objects/people/records?updated_after=yesterday", kAttio), 400);
  body_of(client.Get("/attio/v2/objects/unicorns/records", kAttio), 404);
  std::string ws2 = sb.tenants()["tenants"][1]["attio"]["workspace_id"];
  auto other = body_of(client.Get("/attio/" + ws2 + "/v2/objects/companies/records?limit=1", kAttio));
  CHECK(attio_id(other["data"][0]) != attio_id(all_records(client, "/attio/v2/objects/companies/records", 1)[0]));
}

TEST_CASE("sandbox: status faults hit the nth request for count requests, with Retry-After") {
  test::Sandbox sb({"--now", kNow, "--faults", "chatwoot.conversations:nth=2,count=2,status=503"});
  auto client = sb.client();
  std::vector<int> statuses;
  for (int i = 0; i < 5; ++i) {
    auto r = client.Get(kConversations + "?per_page=1", kChatwoot);
    REQUIRE(r);
    statuses.push_back(r->status);
  }
  CHECK(statuses == std::vector<int>{200, 503, 503, 200, 200});
  auto log = sb.requests("chatwoot.conversations");
  REQUIRE(log.size() == 5);
  CHECK(log[1]["fault"] == "chatwoot.conversations:nth=2,count=2,status=503");
  CHECK(log[0]["fault"].is_null());
  CHECK(log[3]["status"] == 200);
  auto rules = body_of(client.Get("/_sandbox/faults"))["rules"];
  REQUIRE(rules.size() == 1);
  CHECK(rules[0]["seen"] == 5);
  CHECK(rules[0]["hits"] == 2);

  sb.set_faults("linear.PullLinearIssues:status=429,retry_after=7;attio.people:status=429,retry_after_date=60");
  auto limited = linear(client, "PullLinearIssues", {{"limit", 1}});
  REQUIRE(limited);
  CHECK(limited->status == 429);
  CHECK(limited->get_header_value("Retry-After") == "7");
  CHECK(json::parse(limited->body)["errors"][0]["extensions"]["code"] == "RATELIMITED");
  CHECK(linear(client, "PullLinearIssues", {{"limit", 1}})->status == 200);  // count defaults to 1
  auto dated = client.Get("/attio/v2/objects/people/records", kAttio);
  REQUIRE(dated);
  CHECK(dated->status == 429);
  CHECK(dated->get_header_value("Retry-After").ends_with(" GMT"));

  // The JSON form, a custom body, and `every`.
  sb.set_faults(R"([{"target":"*","every":true,"status":500,"body":"{\"error\":\"busy, retry\"}"}])");
  for (int i = 0; i < 3; ++i) {
    auto r = client.Get("/chatwoot/api/v1/accounts/101/inboxes", kChatwoot);
    CHECK(body_of(r, 500)["error"] == "busy, retry");
  }
}

TEST_CASE("sandbox: malformed, delay, graphql_error and close faults") {
  test::Sandbox sb({"--now", kNow});
  auto client = sb.client();

  sb.set_faults("attio.companies:malformed");
  auto broken = client.Get("/attio/v2/objects/companies/records", kAttio);
  REQUIRE(broken);
  CHECK(broken->status == 200);
  CHECK_FALSE(broken->body.empty());
  CHECK_FALSE(json::accept(broken->body));
  CHECK(json::accept(client.Get("/attio/v2/objects/companies/records", kAttio)->body));

  sb.set_faults("attio.deals:delay_ms=300");
  auto start = std::chrono::steady_clock::now();
  auto slow = client.Get("/attio/v2/objects/deals/records?limit=2", kAttio);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(body_of(slow)["data"].size() == 2);  // answered normally after the delay
  CHECK(took >= std::chrono::milliseconds(300));

  sb.set_faults(R"(linear.PullLinear:graphql_error="Rate limited, slow down")");
  auto gql = body_of(linear(client, "PullLinear", json::object()));
  CHECK(gql["errors"][0]["message"] == "Rate limited, slow down");
  CHECK(gql["data"].is_null());

  sb.set_faults("chatwoot.messages:close");
  auto dropped = client.Get(messages_path(100001), kChatwoot);
  CHECK_FALSE(dropped);
  CHECK(client.Get(messages_path(100001), kChatwoot)->status == 200);
  auto log = sb.requests("chatwoot.messages");
  REQUIRE(log.size() == 2);
  CHECK(log[0]["fault"] == "chatwoot.messages:close");
  CHECK(log[0]["status"].is_null());
  CHECK(log[1]["status"] == 200);
}

TEST_CASE("sandbox: duplicate_across_pages repeats the previous page's last record") {
  test::Sandbox sb({"--now", kNow});
  auto client = sb.client();
  sb.set_faults(
      "chatwoot.conversations:nth=2,duplicate_across_pages;linear.PullLinearIssues:nth=2,duplicate_across_pages;"
      "attio.people:nth=2,duplicate_across_pages");

  auto c1 = body_of(client.Get(kConversations + "?page=1&per_page=5", kChatwoot))["data"]["payload"];
  auto c2 = body_of(client.Get(kConversations + "?page=2&per_page=5", kChatwoot))["data"]["payload"];
  REQUIRE(c2.size() == 6);
  CHECK(c2[0]["id"] == c1[4]["id"]);

  auto l1 = body_of(linear(client, "PullLinearIssues", {{"limit", 5}}))["data"]["issues"];
  const json next = {{"limit", 5}, {"after", l1["pageInfo"]["endCursor"]}};
  auto l2 = body_of(linear(client, "PullLinearIssues", next))["data"]["issues"];
  REQUIRE(l2["nodes"].size() == 6);
  CHECK(l2["nodes"][0]["id"] == l1["nodes"][4]["id"]);

  auto a1 = body_of(client.Get("/attio/v2/objects/people/records?limit=5", kAttio));
  auto a2 = body_of(client.Get("/attio/v2/objects/people/records?limit=5&cursor=" +
                                   a1["pagination"]["next_cursor"].get<std::string>(),
                               kAttio));
  REQUIRE(a2["data"].size() == 6);
  CHECK(attio_id(a2["data"][0]) == attio_id(a1["data"][4]));
}

TEST_CASE("sandbox: mutate_after edits a record of the page just served") {
  test::Sandbox sb({"--now", kNow});
  auto client = sb.client();
  sb.set_faults("linear.PullLinearIssues:mutate_after;chatwoot.conversations:mutate_after");

  auto before = body_of(linear(client, "PullLinearIssues", {{"limit", 3}}))["data"]["issues"]["nodes"];
  auto after = body_of(linear(client, "PullLinearIssues", {{"limit", 3}}))["data"]["issues"]["nodes"];
  CHECK(after[0]["id"] == before[0]["id"]);
  CHECK(after[0]["updatedAt"].get<std::string>() > before[0]["updatedAt"].get<std::string>());
  CHECK(after[1] == before[1]);

  size_t messages = sb.tenants()["tenants"][0]["chatwoot"]["messages"];
  auto first = body_of(client.Get(kConversations + "?per_page=1", kChatwoot))["data"]["payload"][0];
  CHECK(sb.tenants()["tenants"][0]["chatwoot"]["messages"] == messages + 1);  // the client wrote again
  auto newest = body_of(client.Get(messages_path(first["id"]), kChatwoot))["payload"].back();
  CHECK(newest["message_type"] == 0);
  CHECK(newest["created_at"].get<int64_t>() >= first["last_activity_at"].get<int64_t>());

  sb.reset();
  CHECK(sb.tenants()["tenants"][0]["chatwoot"]["messages"] == messages);
  CHECK(body_of(linear(client, "PullLinearIssues", {{"limit", 3}}))["data"]["issues"]["nodes"] == before);
  CHECK(body_of(client.Get("/_sandbox/faults"))["rules"].empty());
}

TEST_CASE("sandbox: admin API - mutate, requests log, reset, bad fault scripts") {
  test::Sandbox sb({"--now", kNow});
  auto client = sb.client();
  CHECK(body_of(client.Get("/_sandbox/health"))["ok"] == true);

  auto added =
      sb.mutate({{"kind", "chatwoot_message_add"}, {"conversation", 100001}, {"content", "hello from the test"}});
  REQUIRE(added["ok"] == true);
  auto page = body_of(client.Get(messages_path(100001), kChatwoot))["payload"];
  CHECK(page.back()["content"] == "hello from the test");
  CHECK(page.back()["id"] == added["message"]["id"]);

  auto edited = sb.mutate({{"kind", "chatwoot_message_edit"}, {"message", page[0]["id"]}, {"content", "edited"}});
  CHECK(edited["message"]["content"] == "edited");
  std::string issue = body_of(linear(client, "PullLinearIssues", {{"limit", 60}}))["data"]["issues"]["nodes"][59]["id"];
  auto moved = sb.mutate({{"kind", "linear_issue_update"}, {"issue", issue}, {"title", "Renamed"}});
  CHECK(moved["issue"]["title"] == "Renamed");
  CHECK(body_of(linear(client, "PullLinearIssues", {{"limit", 1}}))["data"]["issues"]["nodes"][0]["id"] == issue);
  auto unknown = sb.mutate({{"kind", "chatwoot_message_edit"}, {"message", 1}});
  CHECK(unknown["ok"] == false);
  CHECK(sb.mutate({{"kind", "teleport"}})["ok"] == false);

  // The log: every API request in order, filterable by target; admin calls are not logged.
  client.Get(kConversations + "?page=2&per_page=3", kChatwoot);
  auto all = sb.requests();
  REQUIRE(all.size() == 4);
  CHECK(all[0]["target"] == "chatwoot.messages");
  CHECK(all[1]["target"] == "linear.PullLinearIssues");
  CHECK(all[1]["method"] == "POST");
  CHECK(all[1]["body"]["variables"]["limit"] == 60);
  CHECK(all[3]["path"] == kConversations);
  CHECK(all[3]["query"]["per_page"] == "3");
  CHECK(all[3]["query_string"] == "page=2&per_page=3");
  CHECK(all[3]["auth"] == "ok");
  CHECK(all[3]["status"] == 200);
  CHECK(all[0]["seq"].get<int>() < all[3]["seq"].get<int>());
  CHECK(sb.requests("linear.PullLinearIssues").size() == 2);
  CHECK(sb.requests("attio.deals").empty());

  // A bad script is refused with the reason, and the previous one stays.
  sb.set_faults("chatwoot.inboxes:status=502");
  CHECK_THROWS_WITH_AS(sb.set_faults("chatwoot.inboxes:graphql_error=x"), doctest::Contains("linear.* targets only"),
                       std::runtime_error);
  auto refused = body_of(client.Post("/_sandbox/faults", "attio.deals:status=42", "text/plain"), 400);
  CHECK(refused["error"].get<std::string>().find("status=42") != std::string::npos);
  CHECK(client.Get("/chatwoot/api/v1/accounts/101/inboxes", kChatwoot)->status == 502);

  sb.reset();
  CHECK(sb.requests().empty());
  CHECK(client.Get("/chatwoot/api/v1/accounts/101/inboxes", kChatwoot)->status == 200);
  CHECK(body_of(client.Get(messages_path(100001), kChatwoot))["payload"].back()["content"] != "hello from the test");
}

TEST_CASE("sandbox: --print-env and Sandbox::env() point labctl at the sandbox") {
  auto run = test::labctl_sandbox({"--port", "8791", "--seed", "3", "--print-env"});
  CHECK(run.exit_code == 0);
  std::map<std::string, std::string> exports;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    CAPTURE(line);
    bool comment = line.starts_with("# "), assignment = line.starts_with("export ");
    CHECK((comment || assignment));
    if (assignment) exports[line.substr(7, line.find('=') - 7)] = line.substr(line.find('=') + 1);
  }
  CHECK(exports.size() == 11);
  CHECK(exports["CHATWOOT_BASE_URL"] == "http://127.0.0.1:8791/chatwoot");
  CHECK(exports["OPENAI_BASE_URL"] == "http://127.0.0.1:8791/openai/v1");
  CHECK(exports["OPENAI_API_KEY"] == "sandbox-openai-token");
  CHECK(exports["LINEAR_BASE_URL"] == "http://127.0.0.1:8791/linear/graphql");
  CHECK(exports["ATTIO_BASE_URL"] == "http://127.0.0.1:8791/attio");
  CHECK(exports["CHATWOOT_ACCOUNT_ID"] == "101");
  CHECK(run.out.find("# tenant 3 (Pelican Studio): chatwoot_account=103 linear_workspace=lin-pelican "
                     "attio_workspace=attio-pelican") != std::string::npos);

  test::Sandbox sb({"--seed", "3", "--tenants", "2"});
  auto env = sb.env();
  CHECK(env.size() == 11);
  CHECK(env["OPENAI_BASE_URL"] == sb.base_url() + "/openai/v1");
  CHECK(env["CHATWOOT_BASE_URL"] == sb.base_url() + "/chatwoot");
  auto tenant = sb.tenants()["tenants"][0];
  CHECK(env["CHATWOOT_ACCOUNT_ID"] == std::to_string(tenant["chatwoot"]["account_id"].get<int>()));
  CHECK(env["LINEAR_WORKSPACE_ID"] == tenant["linear"]["workspace_id"]);
  CHECK(env["ATTIO_WORKSPACE_ID"] == tenant["attio"]["workspace_id"]);
  CHECK(env["LINEAR_WORKSPACE_ID"] == exports["LINEAR_WORKSPACE_ID"]);
  // The values work as they are.
  auto client = sb.client();
  CHECK(client.Get("/chatwoot/api/v1/accounts/" + env["CHATWOOT_ACCOUNT_ID"] + "/inboxes",
                   {{"api_access_token", env["CHATWOOT_API_TOKEN"]}})->status == 200);
  auto attio = client.Get("/attio/v2/activities?limit=1", {{"Authorization", "Bearer " + env["ATTIO_API_TOKEN"]}});
  CHECK(attio->status == 200);
  CHECK(linear(client, "PullLinear", json::object(), {{"Authorization", env["LINEAR_API_TOKEN"]}})->status == 200);
  // OPENAI_BASE_URL is the base labctl appends /embeddings to.
  httplib::Client by_url(env["OPENAI_BASE_URL"].substr(0, env["OPENAI_BASE_URL"].find("/openai")));
  auto embedded = by_url.Post(env["OPENAI_BASE_URL"].substr(env["OPENAI_BASE_URL"].find("/openai")) + "/embeddings",
                              {{"Authorization", "Bearer " + env["OPENAI_API_KEY"]}},
                              R"({"model":"text-embedding-3-small","input":["hi"]})", "application/json");
  REQUIRE(embedded);
  CHECK(embedded->status == 200);
}

TEST_CASE("sandbox: bad command lines exit 2 with a message") {
  auto bad_faults = test::labctl_sandbox({"--port", "0", "--faults", "chatwoot.messages:nth=0,status=503"});
  CHECK(bad_faults.exit_code == 2);
  CHECK(bad_faults.err.find("--faults") != std::string::npos);
  CHECK(bad_faults.err.find("nth=0") != std::string::npos);
  CHECK(bad_faults.out.empty());

  auto bad_target = test::labctl_sandbox({"--faults", "slack.messages:status=500"});
  CHECK(bad_target.exit_code == 2);
  CHECK(bad_target.err.find("unknown target \"slack.messages\"") != std::string::npos);
  CHECK(test::labctl_sandbox({"--faults", "[{\"target\":"}).exit_code == 2);
  CHECK(test::labctl_sandbox({"--now", "tuesday"}).exit_code == 2);
  auto no_port = test::labctl_sandbox({"--port", "0", "--print-env"});
  CHECK(no_port.exit_code == 2);
  CHECK(no_port.err.find("fixed --port") != std::string::npos);

  // The Sandbox class reports a failed start with the sandbox's own words.
  CHECK_THROWS_WITH_AS(test::Sandbox({"--faults", "*:close,malformed"}), doctest::Contains("more than one action"),
                       std::runtime_error);
}

TEST_CASE("sandbox: the destructor stops the process") {
  int port = 0;
  {
    test::Sandbox sb;
    port = sb.port();
    CHECK(sb.client().Get("/_sandbox/health")->status == 200);
  }
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  CHECK_FALSE(client.Get("/_sandbox/health"));
}

// ---- OpenAI-compatible embeddings -------------------------------------------------------------

namespace {

const httplib::Headers kOpenAI = {{"Authorization", "Bearer sandbox-openai-token"}};
const std::string kEmbeddings = "/openai/v1/embeddings";

httplib::Result embed(httplib::Client& c, const json& body, const httplib::Headers& headers = kOpenAI) {
  return c.Post(kEmbeddings, headers, body.dump(), "application/json");
}

std::vector<double> vector_of(const json& item) { return item["embedding"].get<std::vector<double>>(); }

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// The OpenAI-style error of a 4xx answer.
json openai_error_of(const httplib::Result& r, int status) {
  auto body = body_of(r, status);
  REQUIRE(body.contains("error"));
  CHECK(body["error"]["message"].is_string());
  CHECK(body["error"]["type"] == "invalid_request_error");
  return body["error"];
}

}  // namespace

TEST_CASE("sandbox: OpenAI embeddings answer in OpenAI's shape, the same in every sandbox") {
  // Different data seeds: the vectors depend on (model, text) only.
  test::Sandbox a({"--seed", "1"}), b({"--seed", "2"});
  auto ca = a.client(), cb = b.client();
  const json request = {{"model", "text-embedding-3-small"},
                        {"input", {"abcd", "abcde", "a", "h\u00e9llo w\u00f6rld!", "the cat sat on the mat"}}};
  auto body = body_of(embed(ca, request));
  CHECK(body["object"] == "list");
  CHECK(body["model"] == "text-embedding-3-small");
  REQUIRE(body["data"].size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    const auto& item = body["data"][i];
    CHECK(item["object"] == "embedding");
    CHECK(item["index"] == i);  // in input order
    auto v = vector_of(item);
    CHECK(v.size() == 1536);
    CHECK(dot(v, v) == doctest::Approx(1.0).epsilon(1e-5));  // L2-normalised
  }
  // max(1, ceil(characters / 4)) per input, counting code points: 1 + 2 + 1 + 3 + 6.
  CHECK(body["usage"]["prompt_tokens"] == 13);
  CHECK(body["usage"]["total_tokens"] == 13);

  // Deterministic: another process, another seed, the same bytes; a text's vector does not depend on its batch.
  auto again = embed(cb, request);
  REQUIRE(again);
  CHECK(again->body == embed(ca, request)->body);
  CHECK(json::parse(again->body) == body);
  auto single = body_of(embed(cb, {{"model", "text-embedding-3-small"}, {"input", "the cat sat on the mat"}}));
  REQUIRE(single["data"].size() == 1);
  CHECK(single["data"][0]["index"] == 0);
  CHECK(single["data"][0]["embedding"] == body["data"][4]["embedding"]);
  CHECK(single["usage"]["total_tokens"] == 6);
  // Different texts, and the same text under another model, differ.
  CHECK(body["data"][0]["embedding"] != body["data"][1]["embedding"]);
  auto other_model =
      body_of(embed(ca, {{"model", "my-model"}, {"dimensions", 1536}, {"input", "the cat sat on the mat"}}));
  CHECK(other_model["data"][0]["embedding"] != body["data"][4]["embedding"]);

  // Logged under openai.embeddings, without the key.
  auto log = a.requests("openai.embeddings");
  REQUIRE(log.size() == 3);
  CHECK(log[0]["path"] == kEmbeddings);
  CHECK(log[0]["method"] == "POST");
  CHECK(log[0]["auth"] == "ok");
  CHECK(log[0]["status"] == 200);
  CHECK(log[0]["body"]["input"].size() == 5);
  CHECK(a.requests().dump().find("sandbox-openai-token") == std::string::npos);
}

TEST_CASE("sandbox: a match= rule hits only the requests whose body carries its text") {
  test::Sandbox sb;
  auto client = sb.client();
  sb.set_faults("openai.embeddings:match=POISON,every,status=400");
  CHECK(embed(client, {{"model", "m"}, {"input", {"fine", "also fine"}}})->status == 200);
  CHECK(embed(client, {{"model", "m"}, {"input", {"fine", "POISON pill"}}})->status == 400);
  CHECK(embed(client, {{"model", "m"}, {"input", "POISON"}})->status == 400);
  CHECK(embed(client, {{"model", "m"}, {"input", "poison, lower case"}})->status == 200);
  CHECK(sb.faults()["rules"][0]["seen"] == 2);  // only matching requests count toward nth/count
  CHECK_THROWS_WITH_AS(sb.set_faults("openai.embeddings:match=,status=400"), doctest::Contains("match needs"),
                       std::runtime_error);
}

TEST_CASE("sandbox: OpenAI embeddings have the model's dimension unless `dimensions` says otherwise") {
  test::Sandbox sb;
  auto client = sb.client();
  auto length = [&](const json& request) {
    auto body = body_of(embed(client, request));
    REQUIRE(body["data"].size() == 1);
    auto v = vector_of(body["data"][0]);
    CHECK(dot(v, v) == doctest::Approx(1.0).epsilon(1e-5));
    return v.size();
  };
  CHECK(length({{"model", "text-embedding-3-small"}, {"input", {"x"}}}) == 1536);
  CHECK(length({{"model", "text-embedding-3-large"}, {"input", {"x"}}}) == 3072);
  CHECK(length({{"model", "text-embedding-ada-002"}, {"input", {"x"}}}) == 256);
  CHECK(length({{"model", "anything-else"}, {"input", "x"}}) == 256);
  CHECK(length({{"model", "text-embedding-3-small"}, {"dimensions", 512}, {"input", {"x"}}}) == 512);
  CHECK(length({{"model", "anything-else"}, {"dimensions", 1024}, {"input", {"x"}}}) == 1024);
  CHECK(length({{"model", "anything-else"}, {"dimensions", 1}, {"input", {"x"}}}) == 1);
  CHECK(length({{"model", "text-embedding-3-small"}, {"encoding_format", "float"}, {"user", "u1"}, {"input", {"x"}}}) ==
        1536);

  // Many inputs come back complete and in order.
  json many = json::array();
  for (int i = 0; i < 2048; ++i) many.push_back("text number " + std::to_string(i));
  auto body = body_of(embed(client, {{"model", "m"}, {"input", many}}));
  REQUIRE(body["data"].size() == 2048);
  for (size_t i = 0; i < 2048; ++i) CHECK(body["data"][i]["index"] == i);
  CHECK(body["data"][2047]["embedding"] ==
        body_of(embed(client, {{"model", "m"}, {"input", "text number 2047"}}))["data"][0]["embedding"]);
}

TEST_CASE("sandbox: OpenAI embeddings put similar texts nearer than unrelated ones") {
  test::Sandbox sb;
  auto client = sb.client();
  for (const std::string model : {"text-embedding-3-small", "text-embedding-3-large", "other"}) {
    CAPTURE(model);
    auto body = body_of(embed(client, {{"model", model},
                                       {"input",
                                        {"The customer cannot log in to the billing dashboard",
                                         "the customer can not log in to the Billing dashboard!",
                                         "Customer cannot log in to billing",
                                         "Quarterly revenue forecast for the Berlin office",
                                         "  "}}}));
    auto v = [&](size_t i) { return vector_of(body["data"][i]); };
    double near = dot(v(0), v(1)), related = dot(v(0), v(2)), unrelated = dot(v(0), v(3));
    CHECK(near < 0.9999);  // not the same vector: the text itself counts a little
    CHECK(near > 0.75);
    CHECK(related > 0.5);
    CHECK(near > related);
    CHECK(related > unrelated + 0.3);
    CHECK(std::abs(unrelated) < 0.3);
    CHECK(std::abs(dot(v(0), v(4))) < 0.3);  // a text without words still gets a unit vector
    CHECK(dot(v(4), v(4)) == doctest::Approx(1.0).epsilon(1e-5));
  }
}

TEST_CASE("sandbox: OpenAI embeddings refuse a wrong key with 401 and bad requests with 400") {
  test::Sandbox sb;
  auto client = sb.client();
  const json ok = {{"model", "text-embedding-3-small"}, {"input", {"x"}}};
  auto missing = openai_error_of(embed(client, ok, {}), 401);
  CHECK(missing["code"] == "invalid_api_key");
  CHECK(openai_error_of(embed(client, ok, {{"Authorization", "Bearer nope"}}), 401)["code"] == "invalid_api_key");
  // The raw key without Bearer, and another service's token, are not accepted.
  openai_error_of(embed(client, ok, {{"Authorization", "sandbox-openai-token"}}), 401);
  openai_error_of(embed(client, ok, {{"Authorization", "Bearer sandbox-attio-token"}}), 401);

  auto not_json = client.Post(kEmbeddings, kOpenAI, "{\"model\":", "application/json");
  CHECK(openai_error_of(not_json, 400)["message"].get<std::string>().find("JSON") != std::string::npos);
  CHECK(openai_error_of(embed(client, json::array({1, 2})), 400)["message"].get<std::string>().find("JSON") !=
        std::string::npos);
  CHECK(openai_error_of(embed(client, {{"input", {"x"}}}), 400)["param"] == "model");
  CHECK(openai_error_of(embed(client, {{"model", ""}, {"input", {"x"}}}), 400)["param"] == "model");
  CHECK(openai_error_of(embed(client, {{"model", 7}, {"input", {"x"}}}), 400)["param"] == "model");
  CHECK(openai_error_of(embed(client, {{"model", "m"}}), 400)["param"] == "input");
  CHECK(openai_error_of(embed(client, {{"model", "m"}, {"input", nullptr}}), 400)["param"] == "input");
  CHECK(openai_error_of(embed(client, {{"model", "m"}, {"input", json::array()}}), 400)["param"] == "input");
  CHECK(openai_error_of(embed(client, {{"model", "m"}, {"input", {"x", ""}}}), 400)["param"] == "input");
  CHECK(openai_error_of(embed(client, {{"model", "m"}, {"input", ""}}), 400)["param"] == "input");
  CHECK(openai_error_of(embed(client, {{"model", "m"}, {"input", {"x", 3}}}), 400)["param"] == "input");
  CHECK(openai_error_of(embed(client, {{"model", "m"}, {"input", 3}}), 400)["param"] == "input");
  json too_many = json::array();
  for (int i = 0; i < 2049; ++i) too_many.push_back("t");
  auto over = openai_error_of(embed(client, {{"model", "m"}, {"input", too_many}}), 400);
  CHECK(over["param"] == "input");
  CHECK(over["message"].get<std::string>().find("2048") != std::string::npos);
  CHECK(openai_error_of(embed(client, {{"model", "m"}, {"input", "x"}, {"dimensions", 0}}), 400)["param"] ==
        "dimensions");
  CHECK(openai_error_of(embed(client, {{"model", "m"}, {"input", "x"}, {"dimensions", "8"}}), 400)["param"] ==
        "dimensions");
  CHECK(openai_error_of(embed(client, {{"model", "m"}, {"input", "x"}, {"encoding_format", "base64"}}), 400)["param"] ==
        "encoding_format");
  CHECK(openai_error_of(embed(client, {{"model", "m"}, {"input", "x"}, {"inputs", "y"}}), 400)["message"] ==
        "Unrecognized request argument supplied: inputs");
  // Only POST.
  CHECK(client.Get(kEmbeddings, kOpenAI)->status == 405);

  auto log = sb.requests("openai.embeddings");
  REQUIRE(log.size() == 22);
  CHECK(log[0]["auth"] == "missing");
  CHECK(log[1]["auth"] == "invalid");
  CHECK(log[2]["auth"] == "invalid");
  CHECK(log[0]["status"] == 401);
  CHECK(log[4]["auth"] == "ok");
  CHECK(log[4]["status"] == 400);
  CHECK(log[4]["body"] == "{\"model\":");
  for (const auto& e : log) CHECK_FALSE(e["headers"].contains("authorization"));
  CHECK(log.dump().find("sandbox-openai-token") == std::string::npos);
}

TEST_CASE("sandbox: faults on openai.embeddings - status bursts, 429, delay, malformed, close, wrong answers") {
  test::Sandbox sb({"--faults", "openai.embeddings:nth=2,count=2,status=503"});
  auto client = sb.client();
  const json request = {{"model", "text-embedding-3-small"}, {"input", {"first text", "second text", "third text"}}};
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) {
    auto r = embed(client, request);
    REQUIRE(r);
    statuses.push_back(r->status);
    if (r->status == 503) {
      auto error = json::parse(r->body)["error"];
      CHECK(error["type"] == "server_error");
      CHECK(error["message"] == "Service Unavailable");
    }
  }
  CHECK(statuses == std::vector<int>{200, 503, 503, 200});
  auto log = sb.requests("openai.embeddings");
  REQUIRE(log.size() == 4);
  CHECK(log[1]["fault"] == "openai.embeddings:nth=2,count=2,status=503");
  CHECK(log[3]["fault"].is_null());
  const auto good = body_of(embed(client, request));

  sb.set_faults("openai.embeddings:status=429,retry_after=2;openai.embeddings:nth=2,status=429,retry_after_date=30");
  auto limited = embed(client, request);
  REQUIRE(limited);
  CHECK(limited->status == 429);
  CHECK(limited->get_header_value("Retry-After") == "2");
  auto limit_error = json::parse(limited->body)["error"];
  CHECK(limit_error["code"] == "rate_limit_exceeded");
  CHECK(limit_error["type"] == "requests");
  auto dated = embed(client, request);
  REQUIRE(dated);
  CHECK(dated->status == 429);
  CHECK(dated->get_header_value("Retry-After").ends_with(" GMT"));
  CHECK(body_of(embed(client, request)) == good);

  sb.set_faults("openai.embeddings:delay_ms=300");
  auto start = std::chrono::steady_clock::now();
  CHECK(body_of(embed(client, request)) == good);  // answered normally after the delay
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));

  sb.set_faults("openai.embeddings:malformed");
  auto broken = embed(client, request);
  REQUIRE(broken);
  CHECK(broken->status == 200);
  CHECK_FALSE(broken->body.empty());
  CHECK_FALSE(json::accept(broken->body));

  sb.set_faults("openai.embeddings:close");
  CHECK_FALSE(embed(client, request));
  CHECK(body_of(embed(client, request)) == good);

  // The wrong answers labctl has to catch: a vector missing, a vector one element short.
  sb.set_faults("openai.embeddings:wrong_count;openai.embeddings:nth=2,wrong_dimension");
  auto short_list = body_of(embed(client, request));
  REQUIRE(short_list["data"].size() == 2);
  CHECK(short_list["data"][0] == good["data"][0]);
  CHECK(short_list["data"][1] == good["data"][1]);
  CHECK(short_list["usage"] == good["usage"]);
  auto short_vector = body_of(embed(client, request));
  REQUIRE(short_vector["data"].size() == 3);
  CHECK(short_vector["data"][0] == good["data"][0]);
  CHECK(short_vector["data"][1] == good["data"][1]);
  CHECK(vector_of(short_vector["data"][2]).size() == 1535);
  CHECK(body_of(embed(client, request)) == good);
  auto single = body_of(embed(client, {{"model", "m"}, {"input", "alone"}}));  // count defaulted to 1: normal again
  CHECK(single["data"].size() == 1);
  sb.set_faults(R"([{"target":"openai.embeddings","every":true,"wrong_count":true}])");
  CHECK(body_of(embed(client, {{"model", "m"}, {"input", "alone"}}))["data"].empty());
  auto rules = sb.faults()["rules"];
  REQUIRE(rules.size() == 1);
  CHECK(rules[0]["hits"] == 1);

  log = sb.requests("openai.embeddings");
  CHECK(log.back()["fault"] == R"({"every":true,"target":"openai.embeddings","wrong_count":true})");
  sb.set_faults("*:status=500");  // `*` covers the embeddings too
  CHECK(embed(client, request)->status == 500);

  // The new actions belong to the embeddings; the paging actions do not.
  CHECK_THROWS_WITH_AS(sb.set_faults("chatwoot.messages:wrong_count"), doctest::Contains("openai.embeddings only"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(sb.set_faults("attio.deals:wrong_dimension"), doctest::Contains("openai.embeddings only"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(sb.set_faults("openai.embeddings:duplicate_across_pages"), doctest::Contains("not paged"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(sb.set_faults("openai.embeddings:wrong_count,wrong_dimension"),
                       doctest::Contains("more than one action"), std::runtime_error);
  CHECK_THROWS_WITH_AS(sb.set_faults("openai.embeddings:graphql_error=x"), doctest::Contains("linear.* targets only"),
                       std::runtime_error);
  auto from_command_line = test::labctl_sandbox({"--faults", "openai.embedding:status=500"});
  CHECK(from_command_line.exit_code == 2);
  CHECK(from_command_line.err.find("openai.embeddings") != std::string::npos);  // listed among the known targets
}

TEST_CASE("sandbox: --help documents the embeddings endpoint and its faults") {
  auto help = test::labctl_sandbox({"--help"});
  CHECK(help.exit_code == 0);
  for (const char* text : {"POST /openai/v1/embeddings", "Bearer sandbox-openai-token", "text-embedding-3-small 1536",
                           "text-embedding-3-large", "3072", "any other model 256", "openai.embeddings", "wrong_count",
                           "wrong_dimension"}) {
    CAPTURE(text);
    CHECK(help.out.find(text) != std::string::npos);
  }
}
