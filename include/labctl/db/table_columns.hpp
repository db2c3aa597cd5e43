#pragma once
// Column name → SQL type ("timestamp with time zone", …) of the tables bulk writes go to, read
// from the catalog once per table. The database owns one; a schema change (db migrate, db reset,
// the private cluster's own migration) clears it, so a column added by a migration is seen.
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <string>

namespace labctl::db {

class TableColumns {
 public:
  std::map<std::string, std::string> of(pqxx::transaction_base& tx, const std::string& table);
  void clear();

 private:
  std::mutex mu_;
  std::map<std::string, std::map<std::string, std::string>> cache_;
};

}  // namespace labctl::db
