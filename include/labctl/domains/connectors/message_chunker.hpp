#pragma once
// Cutting Chatwoot message text into rag_chunks pieces (connectors.md §2 "Derived
// rag_chunks", steps 1–2). The engine adds the ids, model and status and writes the rows.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "labctl/db/rows.hpp"

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

// rag_chunks rows as the sync writes them: message_global_id, chunk_index,
// conversation_global_id, text, text_hash, content_tokens, embedding_model, source_created_at.
// Only new text counts as a change, and it resets the chunk's embedding to pending.
const db::UpsertSpec& rag_chunk_spec();

}  // namespace labctl::connectors
