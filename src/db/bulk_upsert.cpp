#include "labctl/db/bulk_upsert.hpp"

#include <algorithm>
#include <span>
#include <unordered_set>

#include "labctl/core/error.hpp"

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

std::string key_of(const Row& r, const std::vector<size_t>& keys) {
  std::string key;
  for (size_t k : keys) key += (key.empty() ? "" : "|") + r[k].value_or("NULL");
  return key;
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

// Data a row brought (a value that does not fit its column, a violated constraint), as opposed to
// a fault of the statement, the connection or the server.
bool refused_data(const pqxx::sql_error& e) {
  const std::string& state = e.sqlstate();
  return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0;
}

}  // namespace

std::string conflict_action(const UpsertSpec& spec) {
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
  if (updates.empty()) return "DO NOTHING";
  return "DO UPDATE SET " + join(updates, ", ") + " WHERE (" + join(current, ", ") + ") IS DISTINCT FROM (" +
         join(incoming, ", ") + ")";
}

namespace {

// The statement, built once per call: INSERT … SELECT FROM unnest($1::text[], …) … ON CONFLICT.
struct Statement {
  std::string sql;
  size_t columns = 0;

  Statement(const UpsertSpec& spec, const std::map<std::string, std::string>& types) : columns(spec.columns.size()) {
    std::vector<std::string> params, selected, aliases;
    for (size_t c = 0; c < spec.columns.size(); ++c) {
      params.push_back("$" + std::to_string(c + 1) + "::text[]");
      aliases.push_back("c" + std::to_string(c));
      auto type = types.find(spec.columns[c]);
      if (type == types.end()) throw std::logic_error(spec.table + " has no column " + spec.columns[c]);
      selected.push_back("u.c" + std::to_string(c) + "::" + type->second);
    }
    std::string scope_params = "$" + std::to_string(spec.columns.size() + 1) + "::uuid, $" +
                               std::to_string(spec.columns.size() + 2) + "::uuid";
    sql = "WITH written AS (INSERT INTO " + spec.table + " AS t (" + join(spec.columns, ", ") +
          ", project_id, account_scope_id) SELECT " + join(selected, ", ") + ", " + scope_params + " FROM unnest(" +
          join(params, ", ") + ") AS u(" + join(aliases, ", ") + ") ON CONFLICT (" + join(spec.conflict_key, ", ") +
          ") " + conflict_action(spec) + " RETURNING (xmax = 0) AS inserted) "
          "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written";
  }

  // One text[] parameter per column (unnest zips them back into rows), then the scope.
  UpsertCount run(pqxx::transaction_base& tx, std::span<const Row* const> batch, const std::string& project_id,
                  const std::string& account_scope_id) const {
    std::vector<std::string> arrays(columns, "{");
    for (size_t i = 0; i < batch.size(); ++i)
      for (size_t c = 0; c < columns; ++c) {
        if (i) arrays[c] += ',';
        append_array_element(arrays[c], (*batch[i])[c]);
      }
    for (auto& a : arrays) a += '}';
    arrays.push_back(project_id);
    arrays.push_back(account_scope_id);
    auto r = tx.exec_params1(sql, pqxx::prepare::make_dynamic_params(arrays.begin(), arrays.end()));
    return {r[0].as<size_t>(), r[1].as<size_t>(), {}};
  }
};

struct Writer {
  pqxx::work& tx;
  const UpsertSpec& spec;
  const Statement& statement;
  const std::vector<size_t> keys;
  const std::string& project_id;
  const std::string& account_scope_id;

  // The batch in a savepoint; refused data is narrowed down by halves until the rows PostgreSQL
  // will not take stand alone, and those are left out. (The savepoint is by hand: libpqxx 6.4's
  // subtransaction never opens its savepoint before exec_params.)
  UpsertCount write(std::span<const Row* const> batch) {
    tx.exec0("SAVEPOINT labctl_bulk_upsert");
    try {
      auto count = statement.run(tx, batch, project_id, account_scope_id);
      tx.exec0("RELEASE SAVEPOINT labctl_bulk_upsert");
      return count;
    } catch (const pqxx::sql_error& e) {
      tx.exec0("ROLLBACK TO SAVEPOINT labctl_bulk_upsert");
      tx.exec0("RELEASE SAVEPOINT labctl_bulk_upsert");
      if (!refused_data(e))
        throw Error(ErrorClass::internal, "database_error",
                    "writing " + spec.table + " failed (SQLSTATE " + e.sqlstate() + ")");
      if (batch.size() == 1) return {0, 0, {{key_of(*batch[0], keys), e.sqlstate()}}};
      size_t half = batch.size() / 2;
      UpsertCount a = write(batch.first(half)), b = write(batch.subspan(half));
      a.inserted += b.inserted;
      a.updated += b.updated;
      a.refused.insert(a.refused.end(), b.refused.begin(), b.refused.end());
      return a;
    }
  }
};

}  // namespace

UpsertCount bulk_upsert(pqxx::work& tx, TableColumns& columns, const UpsertSpec& spec, const std::vector<Row>& rows,
                        const std::string& project_id, const std::string& account_scope_id) {
  if (rows.empty()) return {};
  Statement statement(spec, columns.of(tx, spec.table));
  auto batch = first_per_key(spec, rows);
  Writer writer{tx, spec, statement, key_positions(spec), project_id, account_scope_id};
  return writer.write(batch);
}

}  // namespace labctl::db
