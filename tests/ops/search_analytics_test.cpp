// Search analytics (rag.md §5.11) through the CLI and `serve`: events in, the summary's figures
// out, bad events refused without a row, the summary's lenient numbers, no other project's events.
#include <doctest/doctest.h>

#include "labctl/core/ids.hpp"
#include "support/sync_fixture.hpp"

using namespace labctl;
using json = nlohmann::json;

namespace {

struct AnalyticsFixture : test::SyncFixture {
  json run(const std::vector<std::string>& args, int expected_exit = 0) {
    std::vector<std::string> full = args;
    for (std::string extra : {"--project", "", "--output", "json"}) full.push_back(extra.empty() ? p1.id : extra);
    auto r = labctl(full);
    INFO(r.err);
    REQUIRE(r.exit_code == expected_exit);
    if (expected_exit != 0) {
      CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line on stderr
      return json();
    }
    return test::parse(r);
  }
  long long events() { return db.count("SELECT count(*) FROM search_analytics"); }
};

}  // namespace

TEST_CASE("search track and summary: the period's searches, clicks, top queries and clicked sources") {
  AnalyticsFixture f;
  json t = f.run({"search", "track", "invoice", "--result-count", "4", "--duration-ms", "10", "--filters",
                  R"({"topK":5})"});
  CHECK(t["tracked"] == true);
  CHECK(is_uuid(t["event_id"].get<std::string>()));
  CHECK(f.db.text("SELECT filters::text FROM search_analytics WHERE id = '" + t["event_id"].get<std::string>() + "'") ==
        R"({"topK": 5})");
  f.run({"search", "track", "invoice", "--result-count", "6", "--duration-ms", "20"});
  f.run({"search", "track", "  contract  "});
  for (auto [query, source] : {std::pair{"invoice", "message"}, {"invoice", "message"}, {"contract", "issue"}})
    f.run({"search", "track", query, "--event-type", "click", "--clicked-source-type", source, "--clicked-result-id",
           "42"});
  f.run({"search", "track", "inv", "--event-type", "suggestion"});

  json s = f.run({"search", "summary"});
  CHECK(s["period_days"] == 30);
  CHECK(s["overview"] == json{{"total_searches", 3},
                              {"total_clicks", 3},
                              {"unique_queries", 2},
                              {"unique_users", 0},
                              {"avg_duration_ms", 15.0},
                              {"avg_result_count", 3.33},
                              {"click_through_rate_pct", 100.0}});
  CHECK(s["top_queries"] == json::parse(R"([
    {"query": "invoice", "search_count": 2, "avg_results": 5.0, "avg_duration_ms": 15.0},
    {"query": "contract", "search_count": 1, "avg_results": 0.0, "avg_duration_ms": null}])"));
  REQUIRE(s["daily_volume"].size() == 1);
  CHECK(s["daily_volume"][0]["searches"] == 3);
  CHECK(s["daily_volume"][0]["clicks"] == 3);
  CHECK(s["daily_volume"][0]["day"].get<std::string>().size() == 10);
  CHECK(s["source_clicks"] == json::parse(R"([{"source_type": "message", "click_count": 2},
                                              {"source_type": "issue", "click_count": 1}])"));
  CHECK(f.run({"search", "summary", "--top-queries-limit", "1"})["top_queries"].size() == 1);

  // The summary's numbers are lenient: 0 or not a number → the default, fractions floored, clamped.
  for (auto [days, expected] : {std::pair{"0", 30}, {"abc", 30}, {"7.9", 7}, {"1000", 365}, {"-3", 1}, {"1", 1}})
    CHECK(f.run({"search", "summary", "--days", days})["period_days"] == expected);

  // Another project sees none of it.
  auto p2 = f.create_project("Other", 1);
  auto other = f.labctl({"search", "summary", "--project", p2.id, "--output", "json"});
  REQUIRE(other.exit_code == 0);
  CHECK(test::parse(other)["overview"]["total_searches"] == 0);
}

TEST_CASE("search track: a bad event is refused with one line and leaves no row") {
  AnalyticsFixture f;
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"search", "track", ""},
           {"search", "track", std::string(4001, 'q')},
           {"search", "track", "x", "--event-type", "hover"},
           {"search", "track", "x", "--result-count", "10001"},
           {"search", "track", "x", "--result-count", "-1"},
           {"search", "track", "x", "--duration-ms", "300001"},
           {"search", "track", "x", "--filters", "[1,2]"},
           {"search", "track", "x", "--filters", "{not json"},
           {"search", "track", "x", "--clicked-result-id", std::string(501, 'r')},
           {"search", "track", "x", "--clicked-source-type", std::string(101, 's')}}) {
    CAPTURE(bad.back());
    f.run(bad, 2);
  }
  CHECK(f.events() == 0);
}

TEST_CASE("serve: POST /search/analytics and GET /search/analytics/summary") {
  AnalyticsFixture f;
  test::Server server(f.env);
  auto client = server.session(f.p1.id);
  auto r = client.Post("/search/analytics",
                       R"({"query":"invoice","result_count":3,"filters":{"sourceFilter":["messages"]},"duration_ms":12})",
                       "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  json body = json::parse(r->body);
  CHECK(body["tracked"] == true);
  CHECK(is_uuid(body["event_id"].get<std::string>()));

  for (const std::string bad : {R"({"query":""})", R"({"query":"x","filters":"{}"})", R"({"query":"x","filters":[1]})",
                                R"({"query":"x","event_type":"hover"})", R"({"query":"x","result_count":2.5})",
                                R"({"query":"x","duration_ms":-1})", "not json"}) {
    CAPTURE(bad);
    auto b = client.Post("/search/analytics", bad, "application/json");
    REQUIRE(b);
    CHECK(b->status == 400);
    CHECK(json::parse(b->body, nullptr, false)["ok"] == false);
  }
  CHECK(f.events() == 1);

  auto s = client.Get("/search/analytics/summary?days=abc&top_queries_limit=500");
  REQUIRE(s);
  CHECK(s->status == 200);
  json summary = json::parse(s->body);
  CHECK(summary["period_days"] == 30);
  CHECK(summary["overview"]["total_searches"] == 1);
  CHECK(summary["overview"]["avg_duration_ms"] == 12.0);
  CHECK(summary["top_queries"][0]["query"] == "invoice");
}
