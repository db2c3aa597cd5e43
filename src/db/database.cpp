#include "labctl/db/database.hpp"

#include <spdlog/spdlog.h>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/db/migrator.hpp"

namespace labctl::db {

Database::Database(const Config& config) : url_(config.get("database.url")) {
  if (url_.empty())
    cluster_.emplace(ClusterOptions{config.get("database.data_dir"), config.get("database.pg_bindir")});
  const auto& dir = config.get("database.migrations_dir");
  migrations_ = dir.empty() ? embedded_migrations() : load_migrations(dir);
}

EmbeddedCluster& Database::cluster() {
  if (!cluster_)
    throw Error(ErrorClass::invalid_params, "external_database",
                "DATABASE_URL points at an external database; only labctl's private cluster is managed here");
  return *cluster_;
}

std::string Database::connection_url() const { return cluster_ ? cluster_->url() : url_; }

std::string Database::display_url() const { return redact_url(connection_url()); }

std::unique_ptr<pqxx::connection> Database::connect(bool start_cluster) {
  if (cluster_ && start_cluster) cluster_->ensure_running();
  if (cluster_ && !start_cluster && !cluster_->running())
    throw Error(ErrorClass::unavailable, "db_unavailable",
                "labctl's private cluster is stopped (labctl db up starts it)");
  try {
    return std::make_unique<pqxx::connection>(connection_url());
  } catch (const std::exception& e) {
    std::string why = e.what();
    throw Error(ErrorClass::unavailable, "db_unavailable",
                "cannot connect to " + display_url() + ": " + why.substr(0, why.find('\n')));
  }
}

void Database::ensure_schema(pqxx::connection& conn) {
  size_t pending = 0;
  for (const auto& m : migration_status(conn, migrations_)) pending += m.applied ? 0 : 1;  // missing files are applied
  if (pending == 0) return;
  if (!cluster_)
    throw Error(ErrorClass::unavailable, "schema_outdated",
                "the database schema is behind by " + std::to_string(pending) +
                    " migration(s); run 'labctl db migrate'");
  spdlog::info("applying {} migration(s) to the private database", pending);
  migrate(conn, false);
}

std::vector<std::string> Database::migrate(pqxx::connection& conn, bool dry_run) {
  auto applied = apply_migrations(conn, migrations_, dry_run);
  if (!dry_run) columns_.clear();
  return applied;
}

}  // namespace labctl::db
