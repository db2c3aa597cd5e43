#pragma once
// connector_sync_state transitions (connectors.md §6): running → ok | failed.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "labctl/domains/connectors/sync_results.hpp"

namespace labctl::connectors {


// While a run of one connector for one project is under way, its connection holds a session
// lock on the pair: a second run at the same time is refused (409 sync_in_progress, exit 4),
// and a state left `running` by a run that died (its connection, and so the lock, gone) reads
// as `interrupted`.
class RunLock {
 public:
  RunLock(pqxx::connection& conn, const std::string& project_id, const std::string& connector);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  pqxx::connection& conn_;
  std::string key_;
};

void mark_running(pqxx::connection& conn, const std::string& project_id, const std::string& connector,
                  const std::string& mode);
// Inside the run's final transaction, together with resolving the connector's errors.
void mark_ok(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector,
             const Watermark& cursor, const nlohmann::json& meta);
void mark_failed(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector,
                 const std::string& error);

Watermark current_cursor(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector);
// Each connector's state; `running` is reported as `interrupted` when no run holds its lock.
nlohmann::json list_states(pqxx::connection& conn, const std::string& project_id);

}  // namespace labctl::connectors
