#pragma once
// Search analytics (rag.md §5.11): the web client's search, click and suggestion events, and the
// summary over a period. lightrag query records its own `search` event (lightrag_query.cpp).
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace labctl::rag {

struct SearchEvent {
  std::string query;                    // 1..4000 characters
  long long result_count = 0;           // 0..10000
  nlohmann::json filters = nlohmann::json::object();
  std::optional<std::string> clicked_result_id, clicked_source_type;
  std::string event_type = "search";    // search | click | suggestion
  std::optional<long long> duration_ms; // 0..300000
};

// Inserts the event; returns its id.
std::string track_search_event(pqxx::transaction_base& tx, const std::string& project_id,
                               const std::string& account_scope_id, const SearchEvent& event);

// {period_days, overview, top_queries[], daily_volume[] (newest first), source_clicks[]} over the
// scope's events of the last `days` days.
nlohmann::json search_analytics_summary(pqxx::transaction_base& tx, const std::string& project_id,
                                        const std::string& account_scope_id, long long days, long long top_queries);

}  // namespace labctl::rag
