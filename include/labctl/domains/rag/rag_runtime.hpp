#pragma once
// What RAG operations keep between calls: the provider chain, the vector indexes and, in
// `serve`, the answer cache. `serve` keeps one for its lifetime; a CLI command makes one.
#include <memory>
#include <mutex>
#include <string>

#include "labctl/domains/rag/chunk_indexes.hpp"
#include "labctl/domains/rag/provider_chain.hpp"
#include "labctl/domains/rag/query_cache.hpp"
#include "labctl/net/circuit_breaker.hpp"

namespace labctl {
class Config;
}

namespace labctl::rag {

class RagRuntime {
 public:
  // serving: indexes poll PostgreSQL at most once a second and save every 30 s, and answers are
  // cached; otherwise (one-shot CLI) indexes catch up and save on every use, nothing is cached.
  RagRuntime(const Config& config, bool serving);

  ProviderChain& providers();  // made on first use; Error(config) when rag.providers is wrong
  ChunkIndexes& indexes() { return indexes_; }
  QueryCache* cache() { return cache_.get(); }  // null in the CLI
  const Config& config() const { return config_; }

  // After an embedding run or a sync of the project: drop its cached answers, poll the indexes.
  void data_changed(const std::string& project_id);

 private:
  const Config& config_;
  net::CircuitBreakerRegistry breakers_;  // the providers' hosts, for this runtime's lifetime
  std::once_flag providers_once_;
  std::unique_ptr<ProviderChain> providers_;
  ChunkIndexes indexes_;
  std::unique_ptr<QueryCache> cache_;
};

}  // namespace labctl::rag
