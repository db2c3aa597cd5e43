#pragma once
// Cutting Chatwoot message text into rag_chunks pieces (connectors.md §2 "Derived
// rag_chunks", steps 1–2). The engine adds the ids, model and status and writes the rows.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace labctl::connectors {

struct MessageChunk {
  int chunk_index = 0;     // from 0
  std::string text;
  std::string text_hash;   // SHA-256 hex of text
  int content_tokens = 1;  // max(1, ceil(code points / 4))
};

// White-space runs (JavaScript's \s set) become one space; the ends are trimmed.
std::string collapse_whitespace(std::string_view s);

// The collapsed text cut into consecutive pieces of `chunk_size` code points (the last may
// be shorter). Never splits a UTF-8 sequence. Empty text → no chunks.
std::vector<MessageChunk> chunk_message(std::string_view content, size_t chunk_size);

// Only non-private messages whose trimmed content has at least `min_chars` code points are
// embedded.
bool is_embeddable(bool is_private, std::string_view content, size_t min_chars);

}  // namespace labctl::connectors
