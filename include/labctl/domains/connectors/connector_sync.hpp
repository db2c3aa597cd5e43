#pragma once
// Running connector syncs (connectors.md §7): state, process log, error queue around each
// connector's pull. Each connector writes page by page: a page's rows commit together, and
// the connector's cursor commits after the last page, so a run killed anywhere and re-run
// ends with the same rows as an uninterrupted one (upserts make re-reading harmless).
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/core/deadline.hpp"
#include "labctl/domains/connectors/sync_results.hpp"

namespace labctl {
class Config;
namespace db {
class Database;
class TableColumns;
}  // namespace db
namespace net {
class HttpClient;
}
}  // namespace labctl

namespace labctl::connectors {

class ProcessRun;

struct SyncOptions {
  bool full = false;                                  // ignore cursors and per-run caps: a complete snapshot
  std::function<void(const std::string&)> progress;  // a line of progress, for a TTY
  std::optional<Deadline> deadline;                  // a scheduled job's: the HTTP calls stop there
};

// What a connector's pull gets.
struct SyncContext {
  pqxx::connection& conn;
  db::TableColumns& columns;
  std::string project_id;
  std::string account_scope_id;
  const Config& config;
  const SyncOptions& options;
  net::HttpClient& http;
  ProcessRun& process;  // for warnings
  long long refused_records = 0;  // rows PostgreSQL would not take (see bulk_upsert), left out and reported
};

// One connector: unknown name → 400 unsupported_connector before any write. On failure the
// error is queued (backoff, dead letter), the state marked failed, and the error rethrown.
ConnectorRun run_connector_sync(db::Database& database, pqxx::connection& conn, const std::string& project_id,
                                  const std::string& account_scope_id, const std::string& connector,
                                  const Config& config, const SyncOptions& options);

// The three connectors concurrently, each isolated; never throws for a connector's failure.
// Then reconciliation (source sync_cycle).
SyncCycle run_all_connectors(db::Database& database, const std::string& project_id,
                                  const std::string& account_scope_id, const Config& config,
                                  const SyncOptions& options);

struct RetriedError {
  long long id = 0;
  std::string connector;
  std::string error;  // "" = resolved
};

struct RetryPass {
  size_t due = 0;
  std::vector<RetriedError> retried;
  size_t succeeded() const;
  size_t failed() const { return retried.size() - succeeded(); }
};
void to_json(nlohmann::json& j, const RetryPass& pass);

// Retries due queued errors (or just the one with id `only`), oldest first, each connector at
// most once per pass.
RetryPass retry_due_errors(db::Database& database, pqxx::connection& conn, const std::string& project_id,
                                const std::string& account_scope_id, const Config& config, int limit,
                                std::optional<long long> only = std::nullopt);

}  // namespace labctl::connectors
