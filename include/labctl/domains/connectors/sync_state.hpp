#pragma once
// connector_sync_state transitions (connectors.md §6): running → ok | failed.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "labctl/domains/connectors/sync_results.hpp"

namespace labctl::connectors {


void mark_running(pqxx::connection& conn, const std::string& project_id, const std::string& connector,
                  const std::string& mode);
// Inside the run's final transaction, together with resolving the connector's errors.
void mark_ok(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector,
             const Watermark& cursor, const nlohmann::json& meta);
void mark_failed(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector,
                 const std::string& error);

Watermark current_cursor(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector);
nlohmann::json list_states(pqxx::connection& conn, const std::string& project_id);

}  // namespace labctl::connectors
