#pragma once
// Bulk writes: a whole batch in one INSERT … SELECT FROM unnest(text arrays) … ON CONFLICT.
// Never a round trip per row.
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/db/rows.hpp"
#include "labctl/db/table_columns.hpp"

namespace labctl::db {

// Rows are de-duplicated by conflict key, first occurrence wins; an existing row is
// updated only when a compared column differs (NULL-safe). Scope columns come from the caller.
// The batch is written in a savepoint: when PostgreSQL refuses a row's data (SQLSTATE classes 22
// and 23), the batch is halved until the refused rows stand alone; those are left out and listed
// in `refused`, the rest are written, so one bad record never holds back its page. Any other
// failure is Error(internal) naming the table and the SQLSTATE, never a value.
UpsertCount bulk_upsert(pqxx::work& tx, TableColumns& columns, const UpsertSpec& spec, const std::vector<Row>& rows,
                        const std::string& project_id, const std::string& account_scope_id);

// The statement's ON CONFLICT action for `spec` (target `t`): DO UPDATE SET … WHERE the compared
// columns differ, or DO NOTHING.
std::string conflict_action(const UpsertSpec& spec);

}  // namespace labctl::db
