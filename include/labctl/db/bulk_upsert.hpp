#pragma once
// Bulk writes: a whole batch in one INSERT … SELECT FROM unnest(text arrays) … ON CONFLICT.
// Never a round trip per row.
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/db/rows.hpp"

namespace labctl::db {

// Rows are de-duplicated by conflict key, first occurrence wins; an existing row is
// updated only when a compared column differs (NULL-safe). Scope columns come from the caller.
UpsertCount bulk_upsert(pqxx::work& tx, const UpsertSpec& spec, const std::vector<Row>& rows,
                        const std::string& project_id, const std::string& account_scope_id);

}  // namespace labctl::db
