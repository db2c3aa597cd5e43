#pragma once
// OpenAI-compatible embeddings (POST /openai/v1/embeddings, spec rag.md §3): deterministic vectors,
// a pure function of (model, text), L2-normalised, with similar texts landing near each other.
#include <string>
#include <string_view>
#include <vector>

#include "dataset.hpp"
#include "reply.hpp"

namespace labctl::sandbox {

inline constexpr int kOpenAIMaxInputs = 2048;
inline constexpr int kOpenAIMaxDimensions = 8192;

// `body` is the parsed request (discarded if it was not JSON).
Reply openai_embeddings(const json& body, const PageFault& fault);

// {"error":{"message":…,"type":…,"param":…,"code":…}}
json openai_error(const std::string& message, const std::string& type, const json& param = nullptr,
                  const json& code = nullptr);

// 1536 for text-embedding-3-small, 3072 for text-embedding-3-large, else 256.
int openai_default_dimension(const std::string& model);

// The vector for `text`: signed hashing of its word tokens, plus a small text-seeded component.
std::vector<float> openai_embedding(std::string_view model, std::string_view text, int dimension);

// max(1, ceil(code points / 4)).
int openai_tokens(std::string_view text);

}  // namespace labctl::sandbox
