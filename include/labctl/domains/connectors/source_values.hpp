#pragma once
// Reading loosely typed source JSON (connectors.md §0 helpers) and writing the
// PostgreSQL text form of mapped values. Pure functions; the mappers build on them.
#include <nlohmann/json.hpp>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "labctl/core/utf8.hpp"
#include "labctl/db/rows.hpp"

namespace labctl::connectors {

using json = nlohmann::json;

inline constexpr size_t kNoLimit = std::numeric_limits<size_t>::max();

// --- §0 helpers ---------------------------------------------------------------------------

// text(N): strings are trimmed, numbers and booleans stringified; empty → nullopt; at most
// `max_chars` code points. Objects, arrays and null → nullopt.
std::optional<std::string> text(const json& v, size_t max_chars = kNoLimit);
// ts: a number or numeric string is epoch seconds if < 1e10, else milliseconds; another
// string is parsed as ISO-8601/RFC 3339 (date only, or date-time with optional fraction and
// Z/±hh:mm; no offset means UTC). Output `YYYY-MM-DDTHH:MM:SS.mmmZ`; invalid → nullopt.
std::optional<std::string> ts(const json& v);
// int: a number or numeric string, truncated toward zero; anything else → nullopt.
std::optional<long long> integer(const json& v);
// A finite number or numeric string as double; anything else → nullopt.
std::optional<double> number(const json& v);
// A date column value `YYYY-MM-DD` (the UTC day of ts(v)).
std::optional<std::string> date_only(const json& v);

// --- navigating source objects ------------------------------------------------------------

// The member at a dotted path ("meta.sender"), or nullptr if any step is missing.
const json* at_path(const json& root, std::string_view dotted);
// null, a blank string, [] and {} carry no value.
bool is_empty_value(const json& v);
// The first path whose value is not empty (the spec's `a ‖ b ‖ c`); nullptr if none.
const json* first_of(const json& root, std::initializer_list<std::string_view> paths);
// Like first_of, but a missing value is returned as a shared null.
const json& value_of(const json& root, std::initializer_list<std::string_view> paths);
// The first path holding an array / object; nullptr if none.
const json* first_array(const json& root, std::initializer_list<std::string_view> paths);
// The same for the array a page is about: an answer without it is not the API's answer (a 200
// with the wrong shape, `{}`, `{"data":null}`), so this is Error(upstream_failed,
// upstream_invalid_shape) naming `what` and the missing field, never an empty page.
const json& required_array(const json& root, std::initializer_list<std::string_view> paths, std::string_view what);

// --- rows ---------------------------------------------------------------------------------

// D1: one row per id in a batch; the first occurrence wins, order is kept.
template <class Row>
std::vector<Row> dedupe_by_id(std::vector<Row> rows) {
  std::unordered_set<std::string> seen;
  std::vector<Row> out;
  out.reserve(rows.size());
  for (auto& r : rows)
    if (seen.insert(r.id).second) out.push_back(std::move(r));
  return out;
}

// PostgreSQL text input form of one value (db::Cell); nullopt is NULL.
db::Cell pg_cell(const std::string& v);
db::Cell pg_cell(const char* v);
db::Cell pg_cell(const std::optional<std::string>& v);
db::Cell pg_cell(int v);
db::Cell pg_cell(long long v);
db::Cell pg_cell(const std::optional<long long>& v);
db::Cell pg_cell(double v);
db::Cell pg_cell(const std::optional<double>& v);
db::Cell pg_cell(bool v);
// jsonb: db::jsonb_text.
db::Cell pg_cell(const json& v);

}  // namespace labctl::connectors
