#include "labctl/db/bulk_upsert.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_set>

namespace labctl::db {
namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep,
                 const std::string& prefix = "") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + prefix + i;
  return out;
}

std::vector<size_t> key_positions(const UpsertSpec& spec) {
  std::vector<size_t> out;
  for (const auto& k : spec.conflict_key)
    for (size_t i = 0; i < spec.columns.size(); ++i)
      if (spec.columns[i] == k) out.push_back(i);
  return out;
}

// D1: one batch never carries a key twice; the first occurrence wins.
std::vector<const Row*> first_per_key(const UpsertSpec& spec, const std::vector<Row>& rows) {
  auto keys = key_positions(spec);
  std::unordered_set<std::string> seen;
  std::vector<const Row*> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    std::string key;
    for (size_t k : keys) key += (r[k] ? *r[k] : std::string("\x01null")) + '\x1f';
    if (seen.insert(std::move(key)).second) out.push_back(&r);
  }
  return out;
}

// Column name → SQL type (e.g. "timestamp with time zone"), read once per table.
const std::map<std::string, std::string>& column_types(pqxx::work& tx, const std::string& table) {
  static std::mutex mu;
  static std::map<std::string, std::map<std::string, std::string>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(table);
  if (it != cache.end()) return it->second;
  std::map<std::string, std::string> types;
  for (const auto& r : tx.exec_params("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                                      "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
                                      table))
    types[r[0].c_str()] = r[1].c_str();
  return cache.emplace(table, std::move(types)).first->second;
}

}  // namespace

UpsertCount bulk_upsert(pqxx::work& tx, const UpsertSpec& spec, const std::vector<Row>& rows,
                        const std::string& project_id, const std::string& account_scope_id) {
  UpsertCount count;
  if (rows.empty()) return count;
  const auto& types = column_types(tx, spec.table);
  auto batch = first_per_key(spec, rows);

  // One text[] parameter per column; unnest zips them back into rows.
  std::vector<std::string> arrays(spec.columns.size(), "{");
  for (size_t i = 0; i < batch.size(); ++i)
    for (size_t c = 0; c < spec.columns.size(); ++c) {
      if (i) arrays[c] += ',';
      append_array_element(arrays[c], (*batch[i])[c]);
    }
  std::vector<std::string> params, selected, aliases;
  for (size_t c = 0; c < spec.columns.size(); ++c) {
    arrays[c] += '}';
    params.push_back("$" + std::to_string(c + 1) + "::text[]");
    aliases.push_back("c" + std::to_string(c));
    auto type = types.find(spec.columns[c]);
    if (type == types.end()) throw std::logic_error(spec.table + " has no column " + spec.columns[c]);
    selected.push_back("u.c" + std::to_string(c) + "::" + type->second);
  }
  std::string scope_params = "$" + std::to_string(spec.columns.size() + 1) + "::uuid, $" +
                             std::to_string(spec.columns.size() + 2) + "::uuid";
  arrays.push_back(project_id);
  arrays.push_back(account_scope_id);

  auto contains = [](const std::vector<std::string>& v, const std::string& c) {
    return std::find(v.begin(), v.end(), c) != v.end();
  };
  std::vector<std::string> updates, current, incoming;
  for (const auto& c : spec.columns) {
    if (contains(spec.conflict_key, c)) continue;
    std::string value = spec.keep_existing.count(c) ? "coalesce(t." + c + ", excluded." + c + ")" : "excluded." + c;
    updates.push_back(c + " = " + value);
    if (!spec.compare.empty() && !contains(spec.compare, c)) continue;
    current.push_back("t." + c);
    incoming.push_back(value);
  }
  updates.insert(updates.end(), spec.set_on_change.begin(), spec.set_on_change.end());
  std::string on_conflict =
      updates.empty() ? "DO NOTHING"
                      : "DO UPDATE SET " + join(updates, ", ") + " WHERE (" + join(current, ", ") +
                            ") IS DISTINCT FROM (" + join(incoming, ", ") + ")";
  auto r = tx.exec_params1(
      "WITH written AS (INSERT INTO " + spec.table + " AS t (" + join(spec.columns, ", ") +
          ", project_id, account_scope_id) SELECT " + join(selected, ", ") + ", " + scope_params + " FROM unnest(" +
          join(params, ", ") + ") AS u(" + join(aliases, ", ") + ") ON CONFLICT (" + join(spec.conflict_key, ", ") +
          ") " + on_conflict + " RETURNING (xmax = 0) AS inserted) "
          "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written",
      pqxx::prepare::make_dynamic_params(arrays.begin(), arrays.end()));
  count.inserted = r[0].as<size_t>();
  count.updated = r[1].as<size_t>();
  return count;
}

}  // namespace labctl::db
