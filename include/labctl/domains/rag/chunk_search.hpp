#pragma once
// Vector search over a scope's ready chunks (rag.md §4, §6): the query is embedded once per
// model the scope has vectors of, each model's index (or an exact scan when the scope or the
// date-filtered set is small) gives candidates, every hit is re-checked in PostgreSQL (still
// ready, same scope), and the models' hits are merged by distance, then id.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/domains/rag/chunk_indexes.hpp"
#include "labctl/domains/rag/provider_chain.hpp"
#include "labctl/domains/rag/provider_usage.hpp"

namespace labctl::rag {

struct ChunkQuery {
  std::string project_id, account_scope_id;
  std::string text;                          // trimmed, ≤ 4000 characters
  size_t top_k = 10;
  std::optional<std::string> from, before;   // ISO timestamps: message time ≥ from, < before
  size_t exact_max = 20000;                  // exact scan up to this many vectors
};

struct ChunkSearchResult {
  nlohmann::json chunks = nlohmann::json::array();  // §4 rows, nearest first
  std::vector<std::string> models;                  // models searched
  std::vector<std::string> warnings;                // a model that could not be searched
  std::vector<Usage> usage;                         // query embeddings by paid providers
};

// Throws Error(upstream_failed) when the scope has vectors but no model's query embedding
// could be made.
ChunkSearchResult search_chunks(pqxx::connection& conn, ProviderChain& providers, ChunkIndexes& indexes,
                                const ChunkQuery& query);

}  // namespace labctl::rag
