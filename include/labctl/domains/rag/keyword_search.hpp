#pragma once
// Substring search over the raw tables (rag.md §5.3): a row matches when any pattern matches
// any searched column, case-insensitively (ILIKE, whose default escape character is the
// backslash, so escaped metacharacters match literally). The pg_trgm GIN indexes on every
// searched column serve these ILIKEs, so no source is scanned sequentially.
//
// Messages keep the reference's rule: private notes are searchable by keyword (operators see
// them in Chatwoot too) although they are never chunked.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace labctl::rag {

struct KeywordQuery {
  std::string project_id, account_scope_id;
  std::vector<std::string> patterns;        // like_patterns(); none = no search
  size_t limit = 8;                         // per source
  std::optional<std::string> from, before;  // ISO timestamps on the source's date column
};

// cw_messages by content, newest first: {id, message_id, conversation_global_id,
// contact_global_id, sender_type, content (≤500), private, created_at}.
nlohmann::json search_messages(pqxx::transaction_base& tx, const KeywordQuery& q);
// linear_issues_raw by title and data->>'next_step', latest update first.
nlohmann::json search_issues(pqxx::transaction_base& tx, const KeywordQuery& q);
// attio_opportunities_raw by title, next_step and stage, latest update first.
nlohmann::json search_opportunities(pqxx::transaction_base& tx, const KeywordQuery& q);

}  // namespace labctl::rag
