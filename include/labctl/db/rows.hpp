#pragma once
// What a bulk write carries: rows of values in PostgreSQL's text input form, and the upsert that
// writes them. Plain types, no database: the pure mappers build them.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
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

// A row PostgreSQL would not take (a value out of a column's range, a constraint): named by its
// conflict key and the SQLSTATE, never by its values.
struct RefusedRow {
  std::string key;  // the conflict key's values, joined by '|'
  std::string sqlstate;
};

struct UpsertCount {
  size_t inserted = 0;
  size_t updated = 0;  // existing rows whose mapped columns changed
  std::vector<RefusedRow> refused;
  size_t touched() const { return inserted + updated; }
};

// Arrays travel as PostgreSQL text[] literals; this is the one place their elements are written.
// A value is quoted and escaped, and made storable (NUL dropped, malformed UTF-8 replaced: see
// storable_text), so no value can end the literal early or make PostgreSQL refuse the batch.
void append_array_element(std::string& out, const Cell& cell);
// The text of a jsonb value: compact, malformed UTF-8 replaced, and NUL characters (which jsonb
// refuses as \u0000) dropped from every string and key. Every JSON that reaches PostgreSQL goes
// through here.
std::string jsonb_text(const nlohmann::json& value);
// PostgreSQL text[] literal: {"a","b \"q\""}.
std::string pg_text_array(const std::vector<std::string>& items);
// PostgreSQL bigint[] literal: {1,-2,3}.
std::string pg_bigint_array(const std::vector<std::int64_t>& items);

}  // namespace labctl::db
