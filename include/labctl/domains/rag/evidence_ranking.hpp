#pragma once
// How a LightRAG answer is scored (rag.md §5.6–5.7): each evidence item's `_score`, the
// answer sentence, source diversity and the quality score. Pure functions of the evidence.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace labctl::rag {

using json = nlohmann::json;

// Rounded to 4 decimals, as every score is reported.
double round4(double x);

// _score = 0.6·semantic + 0.2·recency + 0.2·authority, where semantic = clamp(1 − distance, 0, 1)
// (0 without metadata.distance), recency = 2^(−age / 7 days) from created_at (1 in the future,
// 0 when missing or unparsable), authority by source_type. Returns {score, breakdown}.
json score_evidence(const json& item, std::chrono::system_clock::time_point now);

// Adds `_score` and `_scoreBreakdown` to every item and sorts by score, descending, stably.
// Returns ranking_stats {avgScore, maxScore, minScore, count} (all 0 when empty).
json rank_evidence(json& evidence, std::chrono::system_clock::time_point now);

// Distinct source_type values (0..4).
int source_diversity(const json& evidence);

// 0 without evidence, else round(min(100, min(1,n/10)·40 + min(1,d/3)·35 + min(1,c/5)·25)).
int quality_score(size_t evidence_count, int diversity, size_t chunk_hits);

// The fixed five-sentence answer; the query is cut to 500 characters.
std::string answer_text(const std::string& query, size_t chunks, size_t messages, size_t issues,
                        size_t opportunities);

// An ISO date or timestamp (see parse_iso_ms) → time point; false if unparsable.
bool parse_iso_time(const std::string& text, std::chrono::system_clock::time_point& out);

}  // namespace labctl::rag
