#include "labctl/domains/rag/provider_chain.hpp"

#include "labctl/core/utf8.hpp"

#include <spdlog/spdlog.h>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
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

std::unique_ptr<ProviderChain> make_provider_chain(const Config& config) {
  std::string list = config.get("rag.providers");
  if (list == "auto") list = config.get("openai.api_key").empty() ? "local" : "openai,local";
  std::vector<std::unique_ptr<EmbeddingProvider>> providers;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string name = list.substr(start, end - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (name == "openai")
      providers.push_back(make_openai_provider(config));
    else if (name == "local")
      providers.push_back(std::make_unique<LocalEmbeddings>(static_cast<size_t>(config.get_int("rag.local_dim"))));
    else if (!name.empty())
      throw config_error("rag.providers: unknown embedding provider '" + name + "' (openai, local)");
    start = end + 1;
  }
  return std::make_unique<ProviderChain>(std::move(providers));
}

}  // namespace labctl::rag
