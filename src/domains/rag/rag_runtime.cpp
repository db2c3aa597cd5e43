#include "labctl/domains/rag/rag_runtime.hpp"

#include "labctl/core/config.hpp"

namespace labctl::rag {

using std::chrono::milliseconds;

RagRuntime::RagRuntime(const Config& config, bool serving)
    : config_(config),
      indexes_(config.get("rag.index_dir"), static_cast<size_t>(config.get_int("rag.hnsw_ef_search")),
               serving ? milliseconds(1000) : milliseconds(0), serving ? milliseconds(30000) : milliseconds(0)) {
  if (serving && config.get_int("rag.query_cache_seconds") > 0)
    cache_ = std::make_unique<QueryCache>(std::chrono::seconds(config.get_int("rag.query_cache_seconds")));
}

ProviderChain& RagRuntime::providers() {
  std::call_once(providers_once_, [&] { providers_ = make_provider_chain(config_, breakers_); });
  return *providers_;
}

void RagRuntime::data_changed(const std::string& project_id) {
  if (cache_) cache_->drop_project(project_id);
  indexes_.mark_stale();
}

}  // namespace labctl::rag
