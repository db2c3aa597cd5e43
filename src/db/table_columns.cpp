#include "labctl/db/table_columns.hpp"

namespace labctl::db {

std::map<std::string, std::string> TableColumns::of(pqxx::transaction_base& tx, const std::string& table) {
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(table); it != cache_.end()) return it->second;
  }
  std::map<std::string, std::string> types;
  for (const auto& r : tx.exec_params("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                                      "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
                                      table))
    types[r[0].c_str()] = r[1].c_str();
  std::lock_guard lock(mu_);
  cache_[table] = types;
  return types;
}

void TableColumns::clear() {
  std::lock_guard lock(mu_);
  cache_.clear();
}

}  // namespace labctl::db
