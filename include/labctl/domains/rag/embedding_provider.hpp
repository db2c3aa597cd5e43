#pragma once
// One interface for every embedding backend (rag.md §3): texts in, one vector per text out,
// all of the provider's model and dimension.
#include <string>
#include <vector>

namespace labctl::rag {

struct Embeddings {
  std::vector<std::vector<float>> vectors;  // one per text embedded, in input order
  long long total_tokens = 0;
  bool budget_exhausted = false;  // the token budget stopped the call: vectors.size() < texts
};

class EmbeddingProvider {
 public:
  virtual ~EmbeddingProvider() = default;
  virtual const std::string& name() const = 0;   // openai | local
  virtual const std::string& model() const = 0;  // recorded on every chunk it embeds
  virtual size_t dimension() const = 0;
  // Throws Error(upstream_failed): code "embedding_rejected" when the provider refused the
  // input for good (a 4xx other than 408/425/429, a wrong count or dimension), which costs the
  // rows an attempt; any other code (timeouts, 429/5xx, an open circuit) is transient.
  virtual Embeddings embed(const std::vector<std::string>& texts) = 0;
};

}  // namespace labctl::rag
