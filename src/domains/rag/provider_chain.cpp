#include "labctl/domains/rag/provider_chain.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/domains/rag/local_embedding.hpp"
#include "labctl/domains/rag/openai_embeddings.hpp"

namespace labctl::rag {

LocalEmbeddings::LocalEmbeddings(size_t dimension) : dimension_(dimension) {}

const std::string& LocalEmbeddings::name() const {
  static const std::string kName = "local";
  return kName;
}

const std::string& LocalEmbeddings::model() const {
  static const std::string kModel = kLocalEmbeddingModel;
  return kModel;
}

Embeddings LocalEmbeddings::embed(const std::vector<std::string>& texts) {
  Embeddings out;
  out.vectors.reserve(texts.size());
  for (const auto& text : texts) {
    std::string input = embedding_input(text);
    out.total_tokens += static_cast<long long>(std::max<size_t>(1, (utf8_length(input) + 3) / 4));
    out.vectors.push_back(local_embedding(input, dimension_));
  }
  return out;
}

ProviderChain::ProviderChain(std::vector<std::unique_ptr<EmbeddingProvider>> providers)
    : providers_(std::move(providers)) {
  if (providers_.empty()) throw config_error("rag.providers names no embedding provider");
}

ChainEmbeddings ProviderChain::embed(const std::vector<std::string>& texts) {
  ChainEmbeddings out;
  for (size_t i = 0; i < providers_.size(); ++i) {
    auto& provider = *providers_[i];
    try {
      out.embeddings = provider.embed(texts);
      out.provider = &provider;
      return out;
    } catch (const std::exception& e) {
      if (i + 1 == providers_.size()) throw;
      spdlog::warn("embedding provider {} failed, trying {}: {}", provider.name(), providers_[i + 1]->name(),
                   e.what());
      out.failovers.push_back(provider.name() + ": " + e.what());
    }
  }
  throw internal_error("unreachable: empty provider chain");
}

EmbeddingProvider* ProviderChain::for_model(const std::string& model) const {
  for (const auto& p : providers_)
    if (p->model() == model) return p.get();
  return nullptr;
}

const std::vector<ProviderKind>& provider_kinds() {
  static const std::vector<ProviderKind> kinds = {
      {"openai", make_openai_provider},
      {"local", [](const Config& config, net::CircuitBreakerRegistry&) -> std::unique_ptr<EmbeddingProvider> {
         return std::make_unique<LocalEmbeddings>(static_cast<size_t>(config.get_int("rag.local_dim")));
       }}};
  return kinds;
}

std::unique_ptr<ProviderChain> make_provider_chain(const Config& config, net::CircuitBreakerRegistry& breakers) {
  std::string list = config.get("rag.providers");
  if (list == "auto") list = config.get("openai.api_key").empty() ? "local" : "openai,local";
  std::vector<std::unique_ptr<EmbeddingProvider>> providers;
  for (const auto& item : comma_items(list)) {
    std::string name = trim_text(item);
    if (name.empty()) continue;
    const auto& kinds = provider_kinds();
    auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const ProviderKind& k) { return k.name == name; });
    if (kind == kinds.end()) {
      std::string known;
      for (const auto& k : kinds) known += (known.empty() ? "" : ", ") + k.name;
      throw config_error("rag.providers: unknown embedding provider '" + name + "' (" + known + ")");
    }
    providers.push_back(kind->make(config, breakers));
  }
  return std::make_unique<ProviderChain>(std::move(providers));
}

}  // namespace labctl::rag
