#include "labctl/domains/rag/query_terms.hpp"

#include <algorithm>
#include <cstdint>

namespace labctl::rag {
namespace {

// Decodes one UTF-8 code point at `pos` (advancing it); invalid bytes decode as U+FFFD.
char32_t next(std::string_view s, size_t& pos) {
  auto c = static_cast<unsigned char>(s[pos]);
  size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || pos + len > s.size()) {
    ++pos;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? c : c & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[pos + i]) & 0x3F);
  pos += len;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

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
    if (char32_t c = token_char(next(query, pos))) {
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
  for (size_t n = 0; end < query.size() && n < kFallbackChars; ++n) next(query, end);
  std::string_view head = query.substr(0, end);
  bool literal = std::any_of(head.begin(), head.end(), [](char c) {
    return c != '%' && c != '_' && c != '\\' && c != ' ' && c != '\t' && c != '\n' && c != '\r';
  });
  if (literal) patterns.push_back("%" + escape_like(head) + "%");
  return patterns;
}

}  // namespace labctl::rag
