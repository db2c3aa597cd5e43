#include "labctl/domains/connectors/message_chunker.hpp"

#include "labctl/core/ids.hpp"
#include "labctl/domains/connectors/source_values.hpp"

namespace labctl::connectors {

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (size_t pos = 0; pos < s.size();) {
    size_t at = pos;
    if (is_js_space(next_code_point(s, pos))) {
      pending_space = !out.empty();  // leading white space is dropped
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.append(s.substr(at, pos - at));
  }
  return out;  // trailing white space was never written
}

std::vector<MessageChunk> chunk_message(std::string_view content, size_t chunk_size) {
  std::vector<MessageChunk> chunks;
  if (chunk_size == 0) return chunks;
  std::string text = collapse_whitespace(content);
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t pos = 0, count = 0;
    for (; count < chunk_size && pos < rest.size(); ++count) next_code_point(rest, pos);
    MessageChunk c;
    c.chunk_index = static_cast<int>(chunks.size());
    c.text = std::string(rest.substr(0, pos));
    c.text_hash = sha256_hex(c.text);
    c.content_tokens = static_cast<int>(std::max<size_t>(1, (count + 3) / 4));
    chunks.push_back(std::move(c));
    rest.remove_prefix(pos);
  }
  return chunks;
}

bool is_embeddable(bool is_private, std::string_view content, size_t min_chars) {
  return !is_private && utf8_length(trim_text(content)) >= min_chars;
}

const db::UpsertSpec& rag_chunk_spec() {
  static const db::UpsertSpec spec{
      "rag_chunks",
      {"message_global_id", "chunk_index", "conversation_global_id", "text", "text_hash", "content_tokens",
       "embedding_model", "source_created_at"},
      {"message_global_id", "chunk_index"},
      {},
      {"text_hash"},  // only new text is a change; it must be embedded again
      {"embedding = NULL", "embedding_dim = NULL", "embedding_error = NULL", "embedding_status = 'pending'",
       "updated_at = now()"}};
  return spec;
}

}  // namespace labctl::connectors
