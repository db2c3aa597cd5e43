// lightrag query|status|refresh|feedback, POST /search (legacy), embeddings run
// (POST /jobs/embeddings/run), usage.
#include <spdlog/spdlog.h>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/domains/rag/embedding_run.hpp"
#include "labctl/domains/rag/lightrag_feedback.hpp"
#include "labctl/domains/rag/lightrag_query.hpp"
#include "labctl/domains/rag/lightrag_status.hpp"
#include "labctl/domains/rag/provider_usage.hpp"
#include "labctl/domains/rag/query_terms.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

constexpr int kMaxQueryChars = 4000;

std::vector<Param> query_params(bool with_filter) {
  std::vector<Param> params = {
      {.name = "query", .type = ParamType::string, .help = "what to look for (1..4000 characters)", .min = 1,
       .max = kMaxQueryChars, .required = true, .positional = true, .metavar = "TEXT"},
      {.name = "topK", .type = ParamType::integer, .help = "chunk hits to return", .default_value = 10, .min = 1,
       .max = 50, .flag = "top-k", .short_flag = "k"},
      {.name = "sourceLimit", .type = ParamType::integer, .help = "keyword hits per source", .default_value = 8,
       .min = 1, .max = 25, .flag = "source-limit", .short_flag = "l"},
  };
  if (with_filter)
    params.push_back({.name = "sourceFilter", .type = ParamType::list,
                      .help = "sources to search: messages, issues, deals (or opportunities), chunks; default all",
                      .lowercased = true, .flag = "source", .short_flag = "s", .metavar = "LIST"});
  params.push_back({.name = "date_from", .type = ParamType::date, .help = "only rows from this date on",
                    .flag = "from"});
  params.push_back({.name = "date_to", .type = ParamType::date, .help = "only rows up to the end of this date",
                    .flag = "to"});
  return params;
}

rag::LightragRequest request_of(Context& ctx, const Params& p, bool legacy) {
  auto scope = ctx.scope();
  rag::LightragRequest r{.project_id = scope.project_id,
                         .account_scope_id = scope.account_scope_id,
                         .query = p.str("query"),
                         .top_k = static_cast<int>(p.integer("topK")),
                         .source_limit = static_cast<int>(p.integer("sourceLimit")),
                         .date_from = p.opt_str("date_from"),
                         .date_to = p.opt_str("date_to"),
                         .legacy = legacy,
                         .created_by = ctx.caller.actor};
  if (!legacy && p.has("sourceFilter")) r.source_filter = p.all()["sourceFilter"].get<std::vector<std::string>>();
  return r;
}

json query(Context& ctx, const Params& p) {
  auto r = request_of(ctx, p, false);
  auto& runtime = ctx.rag();
  auto* cache = runtime.cache();
  std::string key = cache ? rag::QueryCache::key_of(r.project_id, p.all()) : "";
  if (cache)
    if (auto hit = cache->get(r.project_id, key)) {
      (*hit)["cached"] = true;
      return *hit;
    }
  json answer = rag::lightrag_query(ctx.conn(), runtime, r);
  if (cache) cache->put(r.project_id, key, answer);
  return answer;
}

// One embedding batch and the status after it (POST /lightrag/refresh; as a job, POST
// /jobs/embeddings/run). Cached answers are dropped, as after any embedding run: the reference keeps
// them after a refresh, which serves answers that miss the chunks just embedded.
json refresh(Context& ctx) {
  auto scope = ctx.scope();
  auto& runtime = ctx.rag();
  json batch = rag::embed_batch(ctx.conn(), scope.project_id, scope.account_scope_id, runtime.providers(),
                                rag::embedding_run_settings(ctx.config), ctx.config.get_int("rag.embed_batch_size"));
  if (batch["status"] == "providers_failed")
    throw Error(ErrorClass::upstream_failed, "embedding_providers_failed",
                "no embedding provider answered (" + batch.value("error", std::string()) + "); the chunks stay pending");
  ctx.data_changed(scope.project_id);
  pqxx::read_transaction tx(ctx.conn());
  return {{"embeddings", batch}, {"status", rag::lightrag_status(tx, scope.project_id, scope.account_scope_id)}};
}

// `labctl embeddings run`: batches until the queue is empty or --limit chunks are done, then
// the scope's index files are brought up to date so the next query starts warm.
json embeddings_run(Context& ctx, const Params& p) {
  auto scope = ctx.scope();
  auto& runtime = ctx.rag();
  std::optional<long long> limit;
  if (p.has("limit")) limit = p.integer("limit");
  long long done = 0;
  json result = rag::run_embeddings(ctx.conn(), scope.project_id, scope.account_scope_id, runtime.providers(),
                                    rag::embedding_run_settings(ctx.config), limit, [&](const json& batch) {
                                      done += batch["claimed"].get<long long>();
                                      if (ctx.deadline) ctx.deadline->check();  // between batches
                                      if (ctx.progress)
                                        ctx.progress("embedding: " + std::to_string(done) + " chunks" +
                                                     (limit ? " of " + std::to_string(*limit) : ""));
                                    });
  ctx.data_changed(scope.project_id);
  std::vector<rag::IndexKey> keys;
  {
    pqxx::read_transaction tx(ctx.conn());
    keys = rag::scope_index_keys(tx, scope.project_id, scope.account_scope_id);
  }
  json indexed = json::object();
  for (const auto& key : keys) indexed[key.model] = runtime.indexes().get(ctx.conn(), key)->size();
  result["indexed"] = indexed;
  return result;
}

// The byte length of `term` (lower-case) at byte `at` of `text`, compared case-insensitively; 0 if absent.
size_t match_at(std::string_view text, size_t at, std::string_view term) {
  size_t t = 0, p = at;
  while (t < term.size()) {
    if (p >= text.size() || to_lower(next_code_point(text, p)) != next_code_point(term, t)) return 0;
  }
  return p - at;
}

// The query's words (the tokens keyword search used) in bold yellow.
std::string highlight(const std::string& text, const std::vector<std::string>& terms, bool color) {
  if (!color || terms.empty()) return text;
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t best = 0;
    for (const auto& t : terms) best = std::max(best, match_at(text, i, t));
    if (best) {
      out += "\033[1;33m" + text.substr(i, best) + "\033[0m";
      i += best;
    } else {
      size_t next = i;
      next_code_point(text, next);
      out.append(text, i, next - i);
      i = next;
    }
  }
  return out;
}

// Ranked evidence: score, source, date, title, snippet with the query's words highlighted.
void print_evidence(const json& r, std::ostream& out, bool color) {
  auto terms = rag::query_tokens(r.value("query", ""));
  const auto& stats = r["stats"];
  out << "query run " << (r["query_run_id"].is_null() ? "-" : r["query_run_id"].get<std::string>()) << ": "
      << stats["chunks"] << " chunks, " << stats["messages"] << " messages, " << stats["issues"] << " issues, "
      << stats["opportunities"] << " deals; quality " << r["quality_score"] << "\n";
  for (const auto& w : r.value("warnings", json::array())) out << "warning: " << w.get<std::string>() << "\n";
  size_t n = 0;
  for (const auto& e : r["evidence"]) {
    std::string date = e["created_at"].is_string() ? e["created_at"].get<std::string>().substr(0, 10) : "-";
    std::string snippet = e["snippet"].is_string() ? e["snippet"].get<std::string>() : "";
    if (utf8_length(snippet) > 240) snippet = utf8_prefix(snippet, 240) + "…";
    out << "\n" << ++n << ". " << (color ? "\033[1m" : "") << e.value("_score", 0.0) << (color ? "\033[0m" : "")
        << "  " << e["source_type"].get<std::string>() << "  " << date << "  "
        << (e["source_ref"].is_string() ? e["source_ref"].get<std::string>() : "") << "\n";
    if (e["title"].is_string()) out << "   " << highlight(e["title"].get<std::string>(), terms, color) << "\n";
    if (!snippet.empty()) out << "   " << highlight(snippet, terms, color) << "\n";
  }
  if (n == 0) out << "no evidence\n";
}

}  // namespace

std::vector<Operation> rag_operations() {
  return {
      {.name = "lightrag.query",
       .cli_path = {"lightrag", "query"},
       .routes = {{.method = "POST", .path = "/lightrag/query", .limit = RouteLimit::expensive}},
       .summary = "Hybrid search: nearest chunks by vector plus keyword hits in messages, issues and deals, ranked",
       .example = "labctl lightrag query 'договор подписание' -k 5 --source messages,chunks --from 2026-01-01",
       .params = query_params(true),
       .scope = Scope::required,
       .mutating = true,
       .rows = "evidence",
       .columns = {"_score", "source_type", "created_at", "source_ref", "title", "snippet"},
       .human = print_evidence,
       .handler = query},
      {.name = "search.legacy",
       .routes = {{.method = "POST", .path = "/search", .limit = RouteLimit::expensive}},
       .summary = "The legacy search: every source, no ranking or cache; results = chunks, mode = lightrag",
       .example = "curl -s -XPOST localhost:8080/search -d '{\"query\":\"invoice\"}'",
       .params = query_params(false),
       .scope = Scope::required,
       .mutating = true,
       .handler = [](Context& ctx, const Params& p) -> json {
         json r = rag::lightrag_query(ctx.conn(), ctx.rag(), request_of(ctx, p, true));
         r["results"] = r["chunks"];
         r["mode"] = "lightrag";
         return r;
       }},
      {.name = "lightrag.status",
       .cli_path = {"lightrag", "status"},
       .routes = {{.method = "GET", .path = "/lightrag/status"}},
       .summary = "Chunks by embedding status and the project's source counts",
       .example = "labctl lightrag status --output json",
       .scope = Scope::required,
       .handler = [](Context& ctx, const Params&) -> json {
         auto scope = ctx.scope();
         pqxx::read_transaction tx(ctx.conn());
         return rag::lightrag_status(tx, scope.project_id, scope.account_scope_id);
       }},
      {.name = "lightrag.refresh",
       .cli_path = {"lightrag", "refresh"},
       .routes = {{.method = "POST", .path = "/lightrag/refresh", .wrap = "result", .limit = RouteLimit::expensive},
                  {.method = "POST",
                   .path = "/jobs/embeddings/run",
                   .pick = "/embeddings",
                   .wrap = "result",
                   .audit = "job.embeddings_run",
                   .limit = RouteLimit::expensive,
                   .job = Job{"embeddings_run", "/embeddings/processed"},
                   .errors = {{.as = ErrorClass::internal, .code = "embeddings_job_failed"}}}},
       .summary = "Embed one batch of pending chunks now and show the status",
       .example = "labctl lightrag refresh --output json",
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "lightrag.refresh",
                 .entity_type = "lightrag",
                 .payload = [](const Params&, const json& r) -> json { return r["embeddings"]; },
                 .status = [](const json& r) { return r["embeddings"].value("status", "ok"); }},
       .handler = [](Context& ctx, const Params&) -> json { return refresh(ctx); }},
      {.name = "lightrag.feedback",
       .cli_path = {"lightrag", "feedback"},
       .routes = {{.method = "POST", .path = "/lightrag/feedback"}},
       .summary = "Rate a query run: -1, 0 or 1, with an optional comment",
       .example = "labctl lightrag feedback 4182 --rating 1 --comment 'found the contract'",
       .params = {{.name = "query_run_id", .type = ParamType::integer, .help = "the query run to rate", .min = 1,
                   .required = true, .positional = true, .metavar = "RUN_ID"},
                  {.name = "rating", .type = ParamType::integer, .help = "-1, 0 or 1", .min = -1, .max = 1,
                   .required = true},
                  {.name = "comment", .type = ParamType::string, .help = "why (at most 2000 characters)",
                   .max = 2000}},
       .scope = Scope::required,
       .mutating = true,
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         pqxx::work tx(ctx.conn());
         json row = rag::add_feedback(tx, scope.project_id, scope.account_scope_id, p.integer("query_run_id"),
                                      static_cast<int>(p.integer("rating")), p.opt_str("comment"), ctx.caller.actor);
         tx.commit();
         return row;
       }},
      {.name = "embeddings.run",
       .cli_path = {"embeddings", "run"},
       .summary = "Embed pending chunks until the queue is empty (or --limit), then update the vector index",
       .example = "labctl embeddings run --limit 5000 --project 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b",
       .params = {{.name = "limit", .type = ParamType::integer, .help = "stop after claiming this many chunks",
                   .min = 1, .max = 100000000}},
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "embeddings.run",
                 .entity_type = "lightrag",
                 .payload = [](const Params&, const json& r) -> json {
                   return {{"processed", r["processed"]}, {"failed", r["failed"]}, {"batches", r["batches"]}};
                 },
                 .status = [](const json& r) { return r.value("status", "ok"); }},
       .handler = embeddings_run},
      {.name = "usage",
       .cli_path = {"usage"},
       .summary = "What embedding providers were asked and what it cost (every project, or --project)",
       .example = "labctl usage --since 2026-11-01 --group-by model",
       .params = {{.name = "since", .type = ParamType::date, .help = "only usage from this date on"},
                  {.name = "group_by", .type = ParamType::choice, .help = "provider, model, project or day",
                   .default_value = "provider", .choices = {"provider", "model", "project", "day"}}},
       .scope = Scope::optional,
       .rows = "rows",
       .handler = [](Context& ctx, const Params& p) -> json {
         pqxx::read_transaction tx(ctx.conn());
         auto since = p.opt_str("since");
         if (since) since = rag::normalise_timestamp(*since);
         return rag::usage_report(tx, since, p.str("group_by"), ctx.project_id);
       }},
  };
}

}  // namespace labctl::ops
