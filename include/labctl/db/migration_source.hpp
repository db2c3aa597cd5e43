#pragma once
// The SQL migrations: compiled into labctl from migrations/*.sql, or read from a directory.
#include <string>
#include <vector>

namespace labctl::db {

struct Migration {
  std::string filename;  // the migration's identity, e.g. 0001_core_platform.sql
  std::string sql;
};

// In byte-wise filename order.
const std::vector<Migration>& embedded_migrations();
std::vector<Migration> load_migrations(const std::string& dir);

}  // namespace labctl::db
