#include "labctl/domains/rag/lightrag_query.hpp"

#include <set>
#include <spdlog/spdlog.h>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/iso_time.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/domains/rag/chunk_search.hpp"
#include "labctl/domains/rag/evidence_ranking.hpp"
#include "labctl/domains/rag/keyword_search.hpp"
#include "labctl/domains/rag/provider_usage.hpp"
#include "labctl/domains/rag/query_terms.hpp"
#include "labctl/domains/rag/search_analytics.hpp"
#include "labctl/db/rows.hpp"

namespace labctl::rag {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::system_clock;

constexpr size_t kStoredEvidence = 50;
constexpr size_t kMaxAnswerChars = 10000;

std::string format_iso(Clock::time_point t) {
  return iso_ms(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

struct Sources {
  bool messages = false, issues = false, opportunities = false, chunks = false;
};

Sources selected_sources(const std::optional<std::vector<std::string>>& filter) {
  if (!filter) return {true, true, true, true};
  Sources s;
  for (const auto& raw : *filter) {
    if (raw == "messages") s.messages = true;
    else if (raw == "issues") s.issues = true;
    else if (raw == "deals" || raw == "opportunities") s.opportunities = true;
    else if (raw == "chunks") s.chunks = true;
  }
  return s;
}

json message_evidence(const json& m) {
  return {{"source_type", "chatwoot_message"},
          {"source_pk", m["id"]},
          {"source_ref", m["message_id"].is_null() ? json() : json(std::to_string(m["message_id"].get<long long>()))},
          {"title", nullptr},
          {"snippet", m["content"]},
          {"created_at", m["created_at"]},
          {"metadata", {{"sender_type", m["sender_type"]},
                        {"conversation_global_id", m["conversation_global_id"]},
                        {"contact_global_id", m["contact_global_id"]}}}};
}

json issue_evidence(const json& i) {
  return {{"source_type", "linear_issue"},
          {"source_pk", i["id"]},
          {"source_ref", i["external_id"]},
          {"title", i["title"]},
          {"snippet", i["next_step"]},
          {"created_at", i["updated_at"]},
          {"metadata", {{"state", i["state"]}, {"priority", i["priority"]}, {"assignee_name", i["assignee_name"]},
                        {"due_date", i["due_date"]}}}};
}

json opportunity_evidence(const json& o) {
  json title = !o["title"].is_null() ? o["title"] : !o["account_external_id"].is_null() ? o["account_external_id"] : o["id"];
  return {{"source_type", "attio_opportunity"},
          {"source_pk", o["id"]},
          {"source_ref", o["external_id"]},
          {"title", title},
          {"snippet", o["next_step"]},
          {"created_at", o["updated_at"]},
          {"metadata", {{"stage", o["stage"]}, {"amount", o["amount"]}, {"probability", o["probability"]},
                        {"expected_close_date", o["expected_close_date"]}}}};
}

json chunk_evidence(const json& c) {
  return {{"source_type", "rag_chunk"},
          {"source_pk", c["id"]},
          {"source_ref", !c["message_global_id"].is_null() ? c["message_global_id"] : c["conversation_global_id"]},
          {"title", nullptr},
          {"snippet", c["text"]},
          // The message's own time (the chunk row's created_at is when the sync wrote it).
          {"created_at", !c["source_created_at"].is_null() ? c["source_created_at"] : c["created_at"]},
          {"metadata", {{"distance", c["distance"]}, {"chunk_index", c["chunk_index"]}}}};
}


// The run row and, for /lightrag/query, the analytics event. A failure is logged, never fatal.
std::optional<long long> record_run(pqxx::connection& conn, const LightragRequest& r, const json& evidence,
                                    const std::string& answer, size_t chunk_hits, size_t source_hits, int quality,
                                    int diversity, size_t ranked, long long duration_ms,
                                    const std::vector<Usage>& usage, const Config& config) {
  json stored = json::array();
  for (size_t i = 0; i < evidence.size() && i < kStoredEvidence; ++i) stored.push_back(evidence[i]);
  try {
    pqxx::work tx(conn);
    // An audit trail of queries, not money: losing the last few on a crash is acceptable, and
    // not waiting for the WAL flush keeps the query fast.
    tx.exec("SET LOCAL synchronous_commit = off");
    long long id = tx.exec_params1(
        "INSERT INTO lightrag_query_runs (project_id, account_scope_id, query_text, top_k, chunk_hits, source_hits, "
        "  evidence, answer, created_by, quality_score, source_diversity) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11) RETURNING id",
        r.project_id, r.account_scope_id, r.query, r.top_k, static_cast<long long>(chunk_hits),
        static_cast<long long>(source_hits), db::jsonb_text(stored),
        utf8_prefix(answer, kMaxAnswerChars), r.created_by, quality, diversity)[0].as<long long>();
    if (!r.legacy) {
      json filters = {{"sourceFilter", r.source_filter ? json(*r.source_filter) : json()}, {"topK", r.top_k},
                      {"dateFrom", r.date_from ? json(*r.date_from) : json()},
                      {"dateTo", r.date_to ? json(*r.date_to) : json()}};
      track_search_event(tx, r.project_id, r.account_scope_id,
                         {.query = r.query, .result_count = static_cast<long long>(ranked), .filters = filters,
                          .duration_ms = duration_ms});
    }
    if (!usage.empty()) {
      auto prices = embedding_prices(config);
      for (const auto& u : usage) record_usage(tx, r.project_id, r.account_scope_id, u, prices);
    }
    tx.commit();
    return id;
  } catch (const std::exception& e) {
    spdlog::error("lightrag query run not recorded: {}", e.what());
    return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> normalise_timestamp(const std::string& value) {
  Clock::time_point t;
  if (!parse_iso_time(value, t)) return std::nullopt;
  return format_iso(t);
}

json lightrag_query(pqxx::connection& conn, RagRuntime& runtime, const LightragRequest& r) {
  auto started = std::chrono::steady_clock::now();
  const Config& config = runtime.config();
  std::optional<std::string> from, before;
  Clock::time_point from_t{}, to_t{};
  if (r.date_from) {
    if (!parse_iso_time(*r.date_from, from_t)) throw validation_error("date_from", "date_from is not a date", "invalid_date");
    from = format_iso(from_t);
  }
  if (r.date_to) {
    if (!parse_iso_time(*r.date_to, to_t)) throw validation_error("date_to", "date_to is not a date", "invalid_date");
    before = format_iso(to_t + std::chrono::hours(24));  // date_to + 24 h, exclusive
  }
  if (r.date_from && r.date_to && from_t > to_t)
    throw Error(ErrorClass::invalid_params, "invalid_date_range", "date_from is after date_to",
                json::array({validation_issue("date_from", "date_from is after date_to", "invalid_date_range")}));

  Sources sources = selected_sources(r.source_filter);
  json chunks = json::array(), search_config = nullptr, embedding_model = nullptr;
  json warnings = json::array();
  std::vector<Usage> usage;
  if (sources.chunks) {
    auto& providers = runtime.providers();
    ChunkQuery q{r.project_id, r.account_scope_id, r.query, static_cast<size_t>(r.top_k), from, before,
                 static_cast<size_t>(config.get_int("rag.exact_search_max"))};
    auto found = search_chunks(conn, providers, runtime.indexes(), q);
    chunks = std::move(found.chunks);
    usage = std::move(found.usage);
    for (auto& w : found.warnings) warnings.push_back(w);
    embedding_model = found.models.empty() ? json(providers.providers().front()->model()) : json(found.models.front());
    search_config = {{"ivfflat_probes", config.get_int("rag.ivfflat_probes")},
                     {"hnsw_ef_search", std::max(config.get_int("rag.hnsw_ef_search"), r.top_k)}};
    if (found.models.size() > 1) search_config["embedding_models"] = found.models;
  }

  KeywordQuery kq{r.project_id, r.account_scope_id, like_patterns(r.query), static_cast<size_t>(r.source_limit),
                  std::nullopt, std::nullopt};
  json messages = json::array(), issues = json::array(), opportunities = json::array();
  if (!kq.patterns.empty() && (sources.messages || sources.issues || sources.opportunities)) {
    pqxx::nontransaction tx(conn);  // independent reads: no snapshot to share
    kq.from = from;
    kq.before = before;
    if (sources.messages) messages = search_messages(tx, kq);
    if (sources.issues) issues = search_issues(tx, kq);
    if (sources.opportunities) opportunities = search_opportunities(tx, kq);
  }

  json evidence = json::array();
  for (const auto& m : messages) evidence.push_back(message_evidence(m));
  for (const auto& i : issues) evidence.push_back(issue_evidence(i));
  for (const auto& o : opportunities) evidence.push_back(opportunity_evidence(o));
  for (const auto& c : chunks) evidence.push_back(chunk_evidence(c));

  int diversity = source_diversity(evidence);
  int quality = quality_score(evidence.size(), diversity, chunks.size());
  std::string answer = answer_text(r.query, chunks.size(), messages.size(), issues.size(), opportunities.size());
  json ranked = evidence, ranking_stats;
  if (!r.legacy) ranking_stats = rank_evidence(ranked, Clock::now());
  auto duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  auto run_id = record_run(conn, r, evidence, answer, chunks.size(),
                           messages.size() + issues.size() + opportunities.size(), quality, diversity, ranked.size(),
                           duration_ms, usage, config);

  json out = {{"query", r.query},
              {"topK", r.top_k},
              {"query_run_id", run_id ? json(std::to_string(*run_id)) : json()},
              {"embedding_model", embedding_model},
              {"search_config", search_config},
              {"quality_score", quality},
              {"source_diversity", diversity},
              {"answer", answer},
              {"chunks", chunks},
              {"evidence", ranked},
              {"entities", {{"messages", messages}, {"issues", issues}, {"opportunities", opportunities}}},
              {"stats", {{"chunks", chunks.size()}, {"messages", messages.size()}, {"issues", issues.size()},
                         {"opportunities", opportunities.size()}}}};
  if (!r.legacy) out["ranking_stats"] = ranking_stats;
  if (!warnings.empty()) out["warnings"] = warnings;
  out["duration_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace labctl::rag
