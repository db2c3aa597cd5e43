// search track|summary: the web client's search analytics (POST /search/analytics,
// GET /search/analytics/summary; rag.md §5.11).
#include <algorithm>
#include <cmath>
#include <spdlog/spdlog.h>

#include "labctl/domains/rag/search_analytics.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

// The summary's lenient numbers: nothing, 0 or a non-number → the default; fractions floored;
// the rest clamped to 1..max.
long long lenient_count(const Params& p, const std::string& name, long long fallback, long long max) {
  auto text = p.opt_str(name);
  if (!text) return fallback;
  char* end = nullptr;
  double v = std::strtod(text->c_str(), &end);
  if (end == text->c_str() || *end != '\0' || !std::isfinite(v) || std::floor(v) == 0) return fallback;
  return static_cast<long long>(std::clamp(std::floor(v), 1.0, static_cast<double>(max)));
}

json track(Context& ctx, const Params& p) {
  auto scope = ctx.scope();
  rag::SearchEvent e{.query = p.str("query"),
                     .result_count = p.integer("result_count"),
                     .filters = p.has("filters") ? p.all()["filters"] : json::object(),
                     .clicked_result_id = p.opt_str("clicked_result_id"),
                     .clicked_source_type = p.opt_str("clicked_source_type"),
                     .event_type = p.str("event_type")};
  if (p.has("duration_ms")) e.duration_ms = p.integer("duration_ms");
  try {
    pqxx::work tx(ctx.conn());
    std::string id = rag::track_search_event(tx, scope.project_id, scope.account_scope_id, e);
    tx.commit();
    return {{"tracked", true}, {"event_id", id}};
  } catch (const pqxx::sql_error& err) {
    // Analytics never fail the caller (rag.md §5.11): the event is lost, and said so.
    spdlog::warn("search analytics event not recorded: database error {}", err.sqlstate());
    return {{"tracked", false}, {"event_id", nullptr}};
  }
}

}  // namespace

std::vector<Operation> search_analytics_operations() {
  return {
      {.name = "search.track",
       .cli_path = {"search", "track"},
       .routes = {{.method = "POST", .path = "/search/analytics"}},
       .summary = "Record a search, click or suggestion event of the web client",
       .example = "labctl search track 'invoice 1049' --event-type click --clicked-source-type message "
                  "--clicked-result-id 8812",
       .params = {{.name = "query", .type = ParamType::string, .help = "the query text (1..4000 characters)",
                   .min = 1, .max = 4000, .required = true, .positional = true, .metavar = "TEXT"},
                  {.name = "result_count", .type = ParamType::integer, .help = "results shown", .default_value = 0,
                   .min = 0, .max = 10000},
                  {.name = "filters", .type = ParamType::object, .help = "the search's filters, a JSON object"},
                  {.name = "clicked_result_id", .type = ParamType::string, .help = "the result clicked",
                   .max = 500},
                  {.name = "clicked_source_type", .type = ParamType::string,
                   .help = "its source: message, issue, deal, chunk…", .max = 100},
                  {.name = "event_type", .type = ParamType::choice, .help = "search, click or suggestion",
                   .default_value = "search", .choices = {"search", "click", "suggestion"}},
                  {.name = "duration_ms", .type = ParamType::integer, .help = "how long the search took",
                   .min = 0, .max = 300000}},
       .scope = Scope::required,
       .mutating = true,
       .handler = track},
      {.name = "search.summary",
       .cli_path = {"search", "summary"},
       .routes = {{.method = "GET", .path = "/search/analytics/summary"}},
       .summary = "Searches, clicks, top queries, daily volume and clicked sources over a period",
       .example = "labctl search summary --days 7 --top-queries-limit 5 --output json",
       .params = {{.name = "days", .type = ParamType::string,
                   .help = "the period, 1..365 days (default 30; 0 or not a number → 30)", .max = 32, .metavar = "N"},
                  {.name = "top_queries_limit", .type = ParamType::string,
                   .help = "top queries listed, 1..100 (default 20)", .max = 32, .metavar = "N"}},
       .scope = Scope::required,
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         pqxx::read_transaction tx(ctx.conn());
         return rag::search_analytics_summary(tx, scope.project_id, scope.account_scope_id,
                                              lenient_count(p, "days", 30, 365),
                                              lenient_count(p, "top_queries_limit", 20, 100));
       }},
  };
}

}  // namespace labctl::ops
