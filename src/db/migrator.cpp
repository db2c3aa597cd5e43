#include "labctl/db/migrator.hpp"

#include <algorithm>
#include <map>
#include <spdlog/spdlog.h>

#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"

namespace labctl::db {
namespace {

constexpr long long kMigrationLock = 0x6c6162637463;  // "labctc": one migrator at a time

const char* kCreateTracking =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " filename text PRIMARY KEY,"
    " applied_at timestamptz NOT NULL DEFAULT now(),"
    " checksum text NOT NULL)";

std::map<std::string, std::pair<std::string, std::string>> applied_rows(pqxx::transaction_base& tx) {
  std::map<std::string, std::pair<std::string, std::string>> rows;
  if (tx.exec1("SELECT to_regclass('public.schema_migrations') IS NOT NULL")[0].as<bool>()) {
    for (const auto& r : tx.exec("SELECT filename, checksum, applied_at::text FROM schema_migrations"))
      rows[r[0].c_str()] = {r[1].c_str(), r[2].c_str()};
  }
  return rows;
}

std::vector<MigrationState> compare(const std::map<std::string, std::pair<std::string, std::string>>& applied,
                                    const std::vector<Migration>& migrations) {
  std::vector<MigrationState> out;
  for (const auto& m : migrations) {
    MigrationState s{m.filename, sha256_hex(m.sql), false, ""};
    auto it = applied.find(m.filename);
    if (it != applied.end()) {
      if (it->second.first != s.checksum)
        throw Error(ErrorClass::conflict, "migration_checksum_mismatch",
                    "migration " + m.filename +
                        " was edited after it was applied (checksum differs); restore it and put the "
                        "change in a new migration",
                    nlohmann::json{{"filename", m.filename},
                                   {"applied_checksum", it->second.first},
                                   {"file_checksum", s.checksum}});
      s.applied = true;
      s.applied_at = it->second.second;
    }
    out.push_back(std::move(s));
  }
  // Applied rows no file accounts for: a database migrated by another labctl (or a directory
  // that lost files). They are reported after the files, never applied or undone.
  for (const auto& [filename, row] : applied) {
    bool known = std::any_of(migrations.begin(), migrations.end(), [&](const Migration& m) { return m.filename == filename; });
    if (!known) out.push_back({filename, row.first, true, row.second, true});
  }
  return out;
}

// Session-level advisory lock, released on every exit path.
class MigrationLock {
 public:
  explicit MigrationLock(pqxx::connection& conn) : conn_(conn) {
    pqxx::nontransaction(conn_).exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLock) + ")");
  }
  ~MigrationLock() {
    try {
      pqxx::nontransaction(conn_).exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLock) + ")");
    } catch (const std::exception&) {
      // a broken connection has released the lock already
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  pqxx::connection& conn_;
};

}  // namespace

std::vector<MigrationState> migration_status(pqxx::connection& conn,
                                             const std::vector<Migration>& migrations) {
  pqxx::read_transaction tx(conn);
  return compare(applied_rows(tx), migrations);
}

std::vector<std::string> apply_migrations(pqxx::connection& conn,
                                          const std::vector<Migration>& migrations, bool dry_run) {
  MigrationLock lock(conn);
  std::vector<MigrationState> states;
  {
    pqxx::read_transaction tx(conn);
    states = compare(applied_rows(tx), migrations);  // refuses edited files before any change
  }
  std::vector<std::string> done;
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (states[i].applied) continue;
    if (!dry_run) {
      pqxx::work tx(conn);
      tx.exec(kCreateTracking);
      try {
        tx.exec(migrations[i].sql);
      } catch (const pqxx::sql_error& e) {
        // The database refused the file (not a fault of labctl's): its first line says why.
        std::string what = e.what();
        throw Error(ErrorClass::conflict, "migration_failed",
                    "migration " + migrations[i].filename + " failed (SQLSTATE " + e.sqlstate() +
                        "): " + what.substr(0, what.find('\n')) + "; nothing of it was applied");
      }
      tx.exec_params("INSERT INTO schema_migrations (filename, checksum) VALUES ($1, $2)",
                     migrations[i].filename, states[i].checksum);
      tx.commit();
      spdlog::info("applied migration {}", migrations[i].filename);
    }
    done.push_back(migrations[i].filename);
  }
  return done;
}

}  // namespace labctl::db
