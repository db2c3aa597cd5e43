#pragma once
// Bulk writes: a whole batch in one INSERT … SELECT FROM unnest(text arrays) … ON CONFLICT.
// Never a round trip per row.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

namespace labctl::db {

// One value in PostgreSQL's text input form; nullopt is NULL.
// timestamptz: ISO-8601; jsonb: compact JSON; boolean: "t"/"f"; text[]: an array literal.
using Cell = std::optional<std::string>;
using Row = std::vector<Cell>;

struct UpsertSpec {
  std::string table;
  std::vector<std::string> columns;       // as in the rows; project_id/account_scope_id are added
  std::vector<std::string> conflict_key;  // the upsert key, e.g. {"id"}
  std::set<std::string> keep_existing;    // a stored non-NULL value wins (cw_messages.created_at)
  std::vector<std::string> compare;       // a change in these makes an update; empty = every mapped column
  std::vector<std::string> set_on_change; // extra assignments when updating, e.g. "embedding = NULL"
};

struct UpsertCount {
  size_t inserted = 0;
  size_t updated = 0;  // existing rows whose mapped columns changed
  size_t touched() const { return inserted + updated; }
};

// Rows are de-duplicated by conflict key, first occurrence wins; an existing row is
// updated only when a compared column differs (NULL-safe). Scope columns come from the caller.
UpsertCount bulk_upsert(pqxx::work& tx, const UpsertSpec& spec, const std::vector<Row>& rows,
                        const std::string& project_id, const std::string& account_scope_id);

// PostgreSQL text[] literal: {"a","b \"q\""}.
std::string pg_text_array(const std::vector<std::string>& items);
// PostgreSQL bigint[] literal: {1,-2,3}.
std::string pg_bigint_array(const std::vector<std::int64_t>& items);

}  // namespace labctl::db
