#include <doctest/doctest.h>

#include "labctl/domains/rag/evidence_ranking.hpp"

using namespace labctl::rag;
using namespace std::chrono;

namespace {
system_clock::time_point at(const std::string& iso) {
  system_clock::time_point t;
  REQUIRE(parse_iso_time(iso, t));
  return t;
}
}  // namespace

TEST_CASE("_score: the chapter's worked values (scenario 23)") {
  auto now = at("2026-02-20T08:14:03.512Z");
  json chunk = {{"source_type", "rag_chunk"}, {"created_at", "2026-02-19T08:14:03.512Z"},
                {"metadata", {{"distance", 0.21}, {"chunk_index", 0}}}};
  json s = score_evidence(chunk, now);
  CHECK(s["score"].get<double>() == doctest::Approx(0.8251).epsilon(1e-9));
  CHECK(s["breakdown"]["semantic"].get<double>() == doctest::Approx(0.79));
  CHECK(s["breakdown"]["recency"].get<double>() == doctest::Approx(0.9057));
  CHECK(s["breakdown"]["authority"].get<double>() == doctest::Approx(0.85));

  json message = {{"source_type", "chatwoot_message"}, {"created_at", "2026-02-18T08:14:03.512Z"}};
  CHECK(score_evidence(message, now)["score"].get<double>() == doctest::Approx(0.3641).epsilon(1e-9));
}

TEST_CASE("_score: future dates, missing dates and keyword hits") {
  auto now = at("2026-02-20T00:00:00Z");
  json future = {{"source_type", "linear_issue"}, {"created_at", "2027-01-01T00:00:00.000Z"}};
  CHECK(score_evidence(future, now)["breakdown"]["recency"] == 1.0);
  json undated = {{"source_type", "attio_opportunity"}, {"created_at", nullptr}};
  CHECK(score_evidence(undated, now)["score"].get<double>() == doctest::Approx(0.1));
  json other = {{"source_type", "something"}, {"created_at", "2026-02-20T00:00:00.000Z"}};
  CHECK(score_evidence(other, now)["score"].get<double>() == doctest::Approx(0.26));
  // A keyword hit has no distance: it can never score above 0.4.
  json best_keyword = {{"source_type", "chatwoot_message"}, {"created_at", "2026-02-20T00:00:00.000Z"}};
  CHECK(score_evidence(best_keyword, now)["score"].get<double>() == doctest::Approx(0.4));
}

TEST_CASE("rank_evidence sorts by score, keeps ties in order, and reports the stats") {
  auto now = at("2026-02-20T00:00:00Z");
  json evidence = json::array({
      {{"source_type", "attio_opportunity"}, {"created_at", nullptr}, {"source_pk", "a"}},
      {{"source_type", "rag_chunk"}, {"created_at", "2026-02-20T00:00:00.000Z"}, {"source_pk", "b"},
       {"metadata", {{"distance", 0.1}}}},
      {{"source_type", "attio_opportunity"}, {"created_at", nullptr}, {"source_pk", "c"}},
  });
  json stats = rank_evidence(evidence, now);
  REQUIRE(evidence.size() == 3);
  CHECK(evidence[0]["source_pk"] == "b");
  CHECK(evidence[1]["source_pk"] == "a");
  CHECK(evidence[2]["source_pk"] == "c");
  CHECK(stats["count"] == 3);
  CHECK(stats["maxScore"].get<double>() == doctest::Approx(0.91));
  CHECK(stats["minScore"].get<double>() == doctest::Approx(0.1));
  json empty = json::array();
  CHECK(rank_evidence(empty, now) == json{{"avgScore", 0.0}, {"maxScore", 0.0}, {"minScore", 0.0}, {"count", 0}});
}

TEST_CASE("quality score and diversity (scenario 22)") {
  CHECK(quality_score(0, 0, 0) == 0);
  CHECK(quality_score(7, 4, 3) == 78);
  CHECK(quality_score(10, 3, 5) == 100);
  CHECK(quality_score(40, 4, 50) == 100);
  CHECK(quality_score(1, 1, 0) == 16);  // 4 + 11.67 → 16
  json evidence = json::array({{{"source_type", "rag_chunk"}}, {{"source_type", "rag_chunk"}},
                               {{"source_type", "linear_issue"}}});
  CHECK(source_diversity(evidence) == 2);
}

TEST_CASE("the answer sentence is the reference's template, with the query cut to 500 characters") {
  CHECK(answer_text("договор подписание", 3, 2, 1, 1) ==
        "Запрос: \"договор подписание\". Найдено chunk-фрагментов: 3. Совпадений в сообщениях: 2. "
        "Совпадений в задачах Linear: 1. Совпадений в сделках/офферах: 1.");
  std::string long_query;
  for (int i = 0; i < 600; ++i) long_query += "я";
  std::string answer = answer_text(long_query, 0, 0, 0, 0);
  std::string expected_query;
  for (int i = 0; i < 500; ++i) expected_query += "я";
  CHECK(answer.find("\"" + expected_query + "\"") != std::string::npos);
}

TEST_CASE("ISO timestamps: dates, offsets, fractions; impossible dates rejected") {
  CHECK(at("2026-01-31") == at("2026-01-31T00:00:00Z"));
  CHECK(at("2026-01-31T03:00:00+03:00") == at("2026-01-31T00:00:00Z"));
  CHECK(at("2026-01-31 00:00") == at("2026-01-31T00:00:00.000Z"));
  CHECK(at("2026-01-31T00:00:00.5Z") - at("2026-01-31T00:00:00Z") == milliseconds(500));
  system_clock::time_point t;
  CHECK_FALSE(parse_iso_time("2026-02-31", t));
  CHECK_FALSE(parse_iso_time("2026-13-01", t));
  CHECK_FALSE(parse_iso_time("yesterday", t));
  CHECK_FALSE(parse_iso_time("2026-01-01T25:00", t));
  CHECK_FALSE(parse_iso_time("2026-01-01x", t));
}
