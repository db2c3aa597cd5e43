#include "labctl/domains/rag/search_analytics.hpp"
#include "labctl/db/rows.hpp"

namespace labctl::rag {

using json = nlohmann::json;

std::string track_search_event(pqxx::transaction_base& tx, const std::string& project_id,
                               const std::string& account_scope_id, const SearchEvent& e) {
  return tx
      .exec_params1("INSERT INTO search_analytics (query, result_count, filters, project_id, account_scope_id, "
                    "  clicked_result_id, clicked_source_type, event_type, duration_ms) "
                    "VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9) RETURNING id::text",
                    e.query, e.result_count, db::jsonb_text(e.filters), project_id, account_scope_id, e.clicked_result_id,
                    e.clicked_source_type, e.event_type, e.duration_ms)[0]
      .as<std::string>();
}

json search_analytics_summary(pqxx::transaction_base& tx, const std::string& project_id,
                              const std::string& account_scope_id, long long days, long long top_queries) {
  // The period's events: every statement below reads `events` only.
  const std::string events =
      "WITH events AS (SELECT * FROM search_analytics WHERE project_id = $1 AND account_scope_id = $2 "
      "  AND created_at >= now() - make_interval(days => $3::int)) ";
  auto o = tx.exec_params1(
      events +
          "SELECT count(*) FILTER (WHERE event_type = 'search'), count(*) FILTER (WHERE event_type = 'click'), "
          "  count(DISTINCT query) FILTER (WHERE event_type = 'search'), count(DISTINCT user_id), "
          "  coalesce(round(avg(duration_ms) FILTER (WHERE event_type = 'search'), 2), 0)::float8, "
          "  coalesce(round(avg(result_count) FILTER (WHERE event_type = 'search'), 2), 0)::float8, "
          "  coalesce(round(100.0 * count(DISTINCT query) FILTER (WHERE event_type = 'click') "
          "    / nullif(count(DISTINCT query) FILTER (WHERE event_type = 'search'), 0), 2), 0)::float8 "
          "FROM events",
      project_id, account_scope_id, days);
  json out = {{"period_days", days},
              {"overview",
               {{"total_searches", o[0].as<long long>()},
                {"total_clicks", o[1].as<long long>()},
                {"unique_queries", o[2].as<long long>()},
                {"unique_users", o[3].as<long long>()},
                {"avg_duration_ms", o[4].as<double>()},
                {"avg_result_count", o[5].as<double>()},
                {"click_through_rate_pct", o[6].as<double>()}}},
              {"top_queries", json::array()},
              {"daily_volume", json::array()},
              {"source_clicks", json::array()}};
  for (const auto& r : tx.exec_params(
           events + "SELECT query, count(*), round(avg(result_count), 2)::float8, round(avg(duration_ms), 2)::float8 "
                    "FROM events WHERE event_type = 'search' GROUP BY query ORDER BY count(*) DESC, query LIMIT $4",
           project_id, account_scope_id, days, top_queries))
    out["top_queries"].push_back({{"query", r[0].as<std::string>()},
                                  {"search_count", r[1].as<long long>()},
                                  {"avg_results", r[2].as<double>()},
                                  {"avg_duration_ms", r[3].is_null() ? json() : json(r[3].as<double>())}});
  for (const auto& r : tx.exec_params(
           events + "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, "
                    "  count(*) FILTER (WHERE event_type = 'search'), count(*) FILTER (WHERE event_type = 'click') "
                    "FROM events GROUP BY day ORDER BY day DESC",
           project_id, account_scope_id, days))
    out["daily_volume"].push_back(
        {{"day", r[0].as<std::string>()}, {"searches", r[1].as<long long>()}, {"clicks", r[2].as<long long>()}});
  for (const auto& r : tx.exec_params(
           events + "SELECT clicked_source_type, count(*) FROM events "
                    "WHERE event_type = 'click' AND clicked_source_type IS NOT NULL "
                    "GROUP BY 1 ORDER BY 2 DESC, 1",
           project_id, account_scope_id, days))
    out["source_clicks"].push_back({{"source_type", r[0].as<std::string>()}, {"click_count", r[1].as<long long>()}});
  return out;
}

}  // namespace labctl::rag
