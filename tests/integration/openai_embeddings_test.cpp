// The OpenAI-compatible provider against labctl-sandbox's /openai/v1/embeddings over HTTP.
#include <doctest/doctest.h>

#include "labctl/core/error.hpp"
#include "labctl/domains/rag/openai_embeddings.hpp"
#include "labctl/net/circuit_breaker.hpp"
#include "support/sandbox_process.hpp"

using namespace labctl;

namespace {

net::CircuitBreakerRegistry breakers;  // the tests' providers report here

rag::OpenAiEmbeddings provider(test::Sandbox& s, size_t max_inputs = 100, long long budget = 500000,
                               size_t dimension = 256) {
  auto env = s.env();
  net::RetryPolicy policy;
  policy.max_attempts = 3;
  policy.backoff_base = std::chrono::milliseconds(5);
  return rag::OpenAiEmbeddings({env.at("OPENAI_BASE_URL"), env.at("OPENAI_API_KEY"), "sandbox-model", dimension,
                                max_inputs, budget},
                               net::HttpClient(breakers, policy));
}

std::string error_code(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return "";
}

}  // namespace

TEST_CASE("openai embeddings: vectors in input order, sub-batches, usage, determinism") {
  test::Sandbox s;
  auto p = provider(s, 2);
  std::vector<std::string> texts = {"Когда будет готов макет?", "Please send the invoice", "", "  the   invoice  "};
  auto out = p.embed(texts);
  REQUIRE(out.vectors.size() == 4);
  for (const auto& v : out.vectors) CHECK(v.size() == 256);
  CHECK(out.total_tokens > 0);
  CHECK_FALSE(out.budget_exhausted);
  CHECK(s.requests("openai.embeddings").size() == 2);  // 2 inputs per request
  auto again = p.embed({texts[1]});
  CHECK(again.vectors[0] == out.vectors[1]);
  // The key never reaches the request log.
  CHECK(s.requests("openai.embeddings").dump().find("sandbox-openai-token") == std::string::npos);
}

TEST_CASE("openai embeddings: the token budget stops before the next request") {
  test::Sandbox s;
  auto p = provider(s, 1, 1000);
  std::vector<std::string> texts(3, std::string(4000, 'x'));  // 1,000 tokens each
  auto out = p.embed(texts);
  CHECK(out.budget_exhausted);
  CHECK(out.vectors.size() == 1);
}

TEST_CASE("openai embeddings: permanent and transient failures are told apart") {
  test::Sandbox s;
  auto p = provider(s);
  s.set_faults("openai.embeddings:nth=1,count=2,status=503");
  CHECK(p.embed({"retried"}).vectors.size() == 1);  // two 503s, then the third attempt
  s.set_faults("openai.embeddings:every,status=503");
  CHECK(error_code([&] { p.embed({"down"}); }) == "upstream_failed");
  s.set_faults("openai.embeddings:every,wrong_count");
  CHECK(error_code([&] { p.embed({"a", "b"}); }) == "embedding_rejected");
  s.set_faults("openai.embeddings:every,wrong_dimension");
  CHECK(error_code([&] { p.embed({"a"}); }) == "embedding_rejected");
  s.set_faults("openai.embeddings:every,malformed");
  CHECK(error_code([&] { p.embed({"a"}); }) == "upstream_invalid_json");
  s.set_faults("");
  auto wrong_dim = provider(s, 100, 500000, 512);
  CHECK(error_code([&] { wrong_dim.embed({"a"}); }) == "embedding_rejected");
  auto env = s.env();
  rag::OpenAiEmbeddings bad_key({env.at("OPENAI_BASE_URL"), "wrong", "sandbox-model", 256, 100, 500000},
                                net::HttpClient(breakers));
  CHECK(error_code([&] { bad_key.embed({"a"}); }) == "embedding_rejected");
}
