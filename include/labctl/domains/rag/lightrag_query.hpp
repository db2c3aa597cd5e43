#pragma once
// The hybrid LightRAG query (rag.md §5): vector search over chunks and keyword search over
// messages, issues and opportunities, assembled into one evidence list, scored, answered with
// the fixed count sentence, and recorded in lightrag_query_runs (and search_analytics).
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/domains/rag/rag_runtime.hpp"

namespace labctl::rag {

struct LightragRequest {
  std::string project_id, account_scope_id;
  std::string query;  // trimmed, 1..4000 characters
  int top_k = 10;
  int source_limit = 8;
  std::optional<std::vector<std::string>> source_filter;  // none = every source
  std::optional<std::string> date_from, date_to;          // ISO dates or timestamps
  bool legacy = false;  // POST /search: no ranking and no analytics event
  std::optional<std::string> created_by;
};

// Error(invalid_params, invalid_date_range) when date_from > date_to; Error(upstream_failed)
// when chunks are searched and no query embedding could be made (nothing is recorded then).
nlohmann::json lightrag_query(pqxx::connection& conn, RagRuntime& runtime, const LightragRequest& request);

// `value` as ISO-8601 UTC with milliseconds; a date alone is midnight UTC. nullopt if unparsable.
std::optional<std::string> normalise_timestamp(const std::string& value);

}  // namespace labctl::rag
