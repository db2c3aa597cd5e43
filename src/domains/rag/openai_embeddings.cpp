#include "labctl/domains/rag/openai_embeddings.hpp"

#include <algorithm>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/utf8.hpp"

namespace labctl::rag {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxInputChars = 8000;

Error rejected(const std::string& message) { return Error(ErrorClass::upstream_failed, "embedding_rejected", message); }

bool transient_status(long status) { return status == 408 || status == 425 || status == 429 || status >= 500; }

}  // namespace

std::string embedding_input(const std::string& text) {
  std::string out;
  size_t chars = 0;
  bool pending_space = false;
  for (size_t i = 0; i < text.size();) {
    size_t at = i;
    char32_t c = next_code_point(text, i);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      pending_space = !out.empty();
      continue;
    }
    if (chars + (pending_space ? 2 : 1) > kMaxInputChars) break;
    if (pending_space) {
      out += ' ';
      ++chars;
      pending_space = false;
    }
    out.append(text, at, i - at);
    ++chars;
  }
  return out.empty() ? " " : out;
}

OpenAiSettings openai_settings(const Config& config) {
  OpenAiSettings s;
  s.base_url = config.get("openai.base_url");
  while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
  s.api_key = config.get("openai.api_key");
  if (s.api_key.empty()) throw config_error("openai.api_key (OPENAI_API_KEY) is not set");
  s.model = config.get("rag.embedding_model");
  s.dimension = static_cast<size_t>(config.get_int("rag.embedding_dim"));
  s.max_inputs = static_cast<size_t>(config.get_int("openai.embed_max_inputs"));
  s.token_budget = config.get_int("openai.token_budget_per_run");
  return s;
}

std::unique_ptr<EmbeddingProvider> make_openai_provider(const Config& config, net::CircuitBreakerRegistry& breakers) {
  net::RetryPolicy policy;
  policy.max_attempts = 3;
  policy.timeout = std::chrono::milliseconds(config.get_int("openai.timeout_ms"));
  policy.backoff_base = std::chrono::milliseconds(500);
  policy.retry_after_cap = std::chrono::seconds(120);
  return std::make_unique<OpenAiEmbeddings>(openai_settings(config), net::HttpClient(breakers, policy));
}

OpenAiEmbeddings::OpenAiEmbeddings(OpenAiSettings settings, net::HttpClient http)
    : settings_(std::move(settings)), http_(std::move(http)) {}

const std::string& OpenAiEmbeddings::name() const {
  static const std::string kName = "openai";
  return kName;
}

Embeddings OpenAiEmbeddings::embed(const std::vector<std::string>& texts) {
  std::lock_guard lock(mu_);
  Embeddings out;
  for (size_t start = 0; start < texts.size(); start += settings_.max_inputs) {
    if (out.total_tokens >= settings_.token_budget) {
      out.budget_exhausted = true;
      break;
    }
    std::vector<std::string> inputs;
    for (size_t i = start; i < std::min(texts.size(), start + settings_.max_inputs); ++i)
      inputs.push_back(embedding_input(texts[i]));
    auto part = request(inputs);
    out.total_tokens += part.total_tokens;
    std::move(part.vectors.begin(), part.vectors.end(), std::back_inserter(out.vectors));
  }
  return out;
}

Embeddings OpenAiEmbeddings::request(const std::vector<std::string>& inputs) {
  const std::string named = "OpenAI POST /embeddings";
  auto response = http_.send({"POST", settings_.base_url + "/embeddings",
                              {{"authorization", "Bearer " + settings_.api_key},
                               {"content-type", "application/json"}},
                              json{{"model", settings_.model}, {"input", inputs}}.dump()});
  if (response.status < 200 || response.status >= 300) {
    std::string message = named + " failed (" + std::to_string(response.status) + ")";
    if (!transient_status(response.status)) throw rejected(message);
    throw Error(ErrorClass::upstream_failed, "upstream_failed", message);
  }
  auto body = json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.contains("data") || !body["data"].is_array())
    throw Error(ErrorClass::upstream_failed, "upstream_invalid_json", named + " returned invalid JSON");
  const auto& data = body["data"];
  if (data.size() != inputs.size())
    throw rejected(named + " returned " + std::to_string(data.size()) + " vectors for " +
                   std::to_string(inputs.size()) + " inputs");
  Embeddings out;
  out.vectors.resize(inputs.size());
  std::vector<bool> seen(inputs.size(), false);
  for (size_t i = 0; i < data.size(); ++i) {
    const auto& item = data[i];
    // Ordered by `index` when given (rag.md §3 "should"), else by position.
    size_t at = item.contains("index") && item["index"].is_number_unsigned() ? item["index"].get<size_t>() : i;
    const auto& vector = item.value("embedding", json());
    if (at >= inputs.size() || seen[at] || !vector.is_array())
      throw rejected(named + " returned a malformed embedding at position " + std::to_string(i));
    if (vector.size() != settings_.dimension)
      throw rejected(named + " returned a vector of dimension " + std::to_string(vector.size()) + ", expected " +
                     std::to_string(settings_.dimension));
    seen[at] = true;
    auto& v = out.vectors[at];
    v.reserve(vector.size());
    for (const auto& x : vector) {
      if (!x.is_number()) throw rejected(named + " returned a non-numeric vector component");
      v.push_back(x.get<float>());
    }
  }
  if (body.contains("usage") && body["usage"].is_object())
    out.total_tokens = body["usage"].value("total_tokens", 0LL);
  return out;
}

}  // namespace labctl::rag
