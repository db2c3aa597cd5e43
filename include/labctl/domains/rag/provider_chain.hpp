#pragma once
// The embedding providers configured (rag.providers), tried in order: when one fails — an error,
// or its host's circuit breaker is open after repeated failures — the next one gets the texts.
// Every vector records the model that made it, so failing over never mixes models in a search.
#include <memory>
#include <string>
#include <vector>

#include "labctl/domains/rag/embedding_provider.hpp"

namespace labctl {
class Config;
}

namespace labctl::net {
class CircuitBreakerRegistry;
}

namespace labctl::rag {

// The offline provider: local_embedding() of each text. Never fails; its "tokens" are the
// chunks' estimate (ceil(characters / 4)) so usage reports stay comparable.
class LocalEmbeddings : public EmbeddingProvider {
 public:
  explicit LocalEmbeddings(size_t dimension);
  const std::string& name() const override;
  const std::string& model() const override;
  size_t dimension() const override { return dimension_; }
  Embeddings embed(const std::vector<std::string>& texts) override;

 private:
  size_t dimension_;
};

struct ChainEmbeddings {
  Embeddings embeddings;
  EmbeddingProvider* provider = nullptr;  // the one that answered
  std::vector<std::string> failovers;     // "openai: <error>" for each provider that failed first
};

class ProviderChain {
 public:
  explicit ProviderChain(std::vector<std::unique_ptr<EmbeddingProvider>> providers);

  // The first provider that answers. When all fail, rethrows the last provider's error.
  ChainEmbeddings embed(const std::vector<std::string>& texts);

  // The provider that makes vectors of `model`, or nullptr.
  EmbeddingProvider* for_model(const std::string& model) const;
  const std::vector<std::unique_ptr<EmbeddingProvider>>& providers() const { return providers_; }

 private:
  std::vector<std::unique_ptr<EmbeddingProvider>> providers_;
};

// The providers there are, as a table: the name rag.providers lists and how one is made.
struct ProviderKind {
  std::string name;  // openai | local
  std::unique_ptr<EmbeddingProvider> (*make)(const Config& config, net::CircuitBreakerRegistry& breakers);
};
const std::vector<ProviderKind>& provider_kinds();

// rag.providers: a comma list of provider names; "auto" = openai then local when
// openai.api_key is set, else local alone. Error(config) on an unknown name or an empty list,
// or when openai is listed without a key. Providers that call out report to `breakers`.
std::unique_ptr<ProviderChain> make_provider_chain(const Config& config, net::CircuitBreakerRegistry& breakers);

}  // namespace labctl::rag
