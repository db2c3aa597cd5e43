#include "labctl/domains/rag/query_terms.hpp"

#include <algorithm>
#include <cstdint>

#include "labctl/core/utf8.hpp"

namespace labctl::rag {
namespace {

// The lower-case form of a token character, or 0 for a separator.
char32_t token_char(char32_t cp) {
  if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '_') return cp;
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp >= U'а' && cp <= U'я') return cp;
  if (cp >= U'А' && cp <= U'Я') return cp + 32;
  if (cp == U'ё' || cp == U'Ё') return U'ё';
  return 0;
}

constexpr size_t kMaxTokens = 6;
constexpr size_t kMinTokenChars = 3;
constexpr size_t kFallbackChars = 300;

}  // namespace

std::vector<std::string> query_tokens(std::string_view query) {
  std::vector<std::string> tokens;
  std::string token;
  size_t chars = 0;
  auto flush = [&] {
    if (chars >= kMinTokenChars && tokens.size() < kMaxTokens &&
        std::find(tokens.begin(), tokens.end(), token) == tokens.end())
      tokens.push_back(token);
    token.clear();
    chars = 0;
  };
  for (size_t pos = 0; pos < query.size();) {
    if (char32_t c = token_char(next_code_point(query, pos))) {
      append_utf8(token, c);
      ++chars;
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

std::string escape_like(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\' || c == '%' || c == '_') out += '\\';
    out += c;
  }
  return out;
}

std::vector<std::string> like_patterns(std::string_view query) {
  std::vector<std::string> patterns;
  for (const auto& token : query_tokens(query)) patterns.push_back("%" + escape_like(token) + "%");
  if (!patterns.empty()) return patterns;
  size_t end = 0;
  for (size_t n = 0; end < query.size() && n < kFallbackChars; ++n) next_code_point(query, end);
  std::string_view head = query.substr(0, end);
  bool literal = std::any_of(head.begin(), head.end(), [](char c) {
    return c != '%' && c != '_' && c != '\\' && c != ' ' && c != '\t' && c != '\n' && c != '\r';
  });
  if (literal) patterns.push_back("%" + escape_like(head) + "%");
  return patterns;
}

}  // namespace labctl::rag
