#pragma once
// An OpenAI-compatible `POST <base>/embeddings` provider (rag.md §3).
#include <memory>
#include <mutex>

#include "labctl/domains/rag/embedding_provider.hpp"
#include "labctl/net/http_client.hpp"

namespace labctl {
class Config;
}

namespace labctl::rag {

struct OpenAiSettings {
  std::string base_url;  // e.g. https://api.openai.com/v1 (trailing / stripped)
  std::string api_key;
  std::string model;
  size_t dimension = 1536;
  size_t max_inputs = 100;         // per request
  long long token_budget = 500000;  // per embed() call
};

// From openai.* and rag.embedding_* settings; Error(config) naming OPENAI_API_KEY when unset.
OpenAiSettings openai_settings(const Config& config);

class OpenAiEmbeddings : public EmbeddingProvider {
 public:
  OpenAiEmbeddings(OpenAiSettings settings, net::HttpClient http);
  const std::string& name() const override;
  const std::string& model() const override { return settings_.model; }
  size_t dimension() const override { return settings_.dimension; }
  Embeddings embed(const std::vector<std::string>& texts) override;

 private:
  Embeddings request(const std::vector<std::string>& inputs);
  OpenAiSettings settings_;
  std::mutex mu_;  // one request at a time: the HTTP client is not thread-safe (serve's queries)
  net::HttpClient http_;
};

// The provider from configuration: 3 attempts per request with backoff, openai.timeout_ms per
// attempt, Retry-After honoured up to 120 s, and the process-wide breaker of the API's host.
std::unique_ptr<EmbeddingProvider> make_openai_provider(const Config& config, net::CircuitBreakerRegistry& breakers);

// What is sent for one text: whitespace collapsed, trimmed, cut to 8,000 characters (code
// points); an empty text is sent as " ".
std::string embedding_input(const std::string& text);

}  // namespace labctl::rag
