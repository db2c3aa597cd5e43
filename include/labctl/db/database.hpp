#pragma once
// Which database labctl uses: DATABASE_URL, or else its private cluster.
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/db/embedded_cluster.hpp"
#include "labctl/db/migration_source.hpp"
#include "labctl/db/table_columns.hpp"

namespace labctl {
class Config;
}

namespace labctl::db {

class Database {
 public:
  explicit Database(const Config& config);

  bool embedded() const { return cluster_.has_value(); }
  EmbeddedCluster& cluster();
  std::string display_url() const;      // password redacted: for output and logs
  std::string connection_url() const;   // with credentials: only for connecting

  // A new connection; starts the private cluster first when needed, unless `start_cluster` is
  // false (serve: after `labctl db down` the cluster stays down until `db up`).
  std::unique_ptr<pqxx::connection> connect(bool start_cluster = true);
  const std::vector<Migration>& migrations() const { return migrations_; }
  // Private cluster: applies pending migrations. External database: a clear error.
  void ensure_schema(pqxx::connection& conn);
  // Applies the pending migrations (or lists them, dry_run); the schema may have changed, so the
  // column types bulk writes know are read again.
  std::vector<std::string> migrate(pqxx::connection& conn, bool dry_run);
  // The column types of the tables bulk writes go to.
  TableColumns& columns() { return columns_; }

 private:
  std::string url_;
  std::optional<EmbeddedCluster> cluster_;
  std::vector<Migration> migrations_;
  TableColumns columns_;
};

}  // namespace labctl::db
