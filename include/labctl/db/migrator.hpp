#pragma once
// Applies migrations in filename order, each file with its tracking row in one
// transaction, under an advisory lock. Each applied file's SHA-256 is recorded;
// an applied file that was edited afterwards is refused.
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/db/migration_source.hpp"

namespace labctl::db {

struct MigrationState {
  std::string filename;
  std::string checksum;
  bool applied = false;
  std::string applied_at;  // "" when pending
  bool missing_file = false;  // applied in the database, but no file of the list has its name
};

// Reads schema_migrations (absent table = nothing applied) and checks every
// applied file's checksum; throws Error(conflict, migration_checksum_mismatch). One state per
// file, in order, then one per applied migration no file accounts for (missing_file).
std::vector<MigrationState> migration_status(pqxx::connection& conn,
                                             const std::vector<Migration>& migrations);

// Returns the filenames applied (or, with dry_run, those that would be).
std::vector<std::string> apply_migrations(pqxx::connection& conn,
                                          const std::vector<Migration>& migrations, bool dry_run);

}  // namespace labctl::db
