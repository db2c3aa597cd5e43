#pragma once
// The embedding queue (rag.md §2.1): recover chunks stuck in `processing`, claim a batch of
// `pending` ones (FOR UPDATE SKIP LOCKED, so concurrent runs get disjoint rows), embed them
// through the provider chain, and write the vectors back in one statement.
//
// Attempts (the spec's "must fix"): the claim adds one; only a permanent failure keeps it —
// the provider rejected the input (4xx), or returned a missing, wrong-sized or zero vector. A
// transient failure (timeout, 408/425/429/5xx, open circuit, token budget) gives it back. After
// rag.embed_max_attempts counted attempts the chunk is `failed`, so a poison input can never
// stall the queue.
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "labctl/domains/rag/provider_chain.hpp"

namespace labctl {
class Config;
}

namespace labctl::rag {

struct EmbeddingRunSettings {
  int batch_size = 100;
  int max_attempts = 5;
  int stale_minutes = 30;
  std::map<std::string, double> prices;  // for provider_usage
};

EmbeddingRunSettings embedding_run_settings(const Config& config);

// Moves `processing` rows older than the recovery window back to `pending` (or to `failed` with
// max_attempts_exceeded once their attempts are used up). Returns {recovered, failed}.
nlohmann::json recover_stale(pqxx::connection& conn, const std::string& project_id,
                             const std::string& account_scope_id, const EmbeddingRunSettings& settings);

// One batch of at most min(batch_size, limit) chunks. Returns {processed, failed, status, model,
// provider, totalTokens}; status is idle (nothing pending: no provider call), ok, partial (the
// batch call failed and each text was embedded alone), or providers_failed (no provider answered
// for any row: the rows stay pending, `error` says why).
nlohmann::json embed_batch(pqxx::connection& conn, const std::string& project_id, const std::string& account_scope_id,
                           ProviderChain& chain, const EmbeddingRunSettings& settings, int limit);

// Stale recovery, then batches until the queue is empty, `limit` chunks were claimed, or a batch
// embedded nothing; a batch no provider answered is Error(upstream_failed,
// embedding_providers_failed). `on_batch` sees each batch's result. Returns {processed, failed, batches,
// status, recovered, models: {model: count}, providers: {provider: count}}.
nlohmann::json run_embeddings(pqxx::connection& conn, const std::string& project_id,
                              const std::string& account_scope_id, ProviderChain& chain,
                              const EmbeddingRunSettings& settings, std::optional<long long> limit,
                              const std::function<void(const nlohmann::json&)>& on_batch = {});

}  // namespace labctl::rag
