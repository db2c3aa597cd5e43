#pragma once
// connector_errors as a retry queue with exponential backoff and a dead letter (connectors.md §6).
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace labctl::connectors {

struct RetrySettings {
  int base_seconds = 30;  // CONNECTOR_RETRY_BASE_SECONDS [5..300]
  int max_retries = 5;    // CONNECTOR_MAX_RETRIES [1..20]
};

struct ConnectorError {
  std::string connector;
  std::string mode = "http";
  std::string operation = "sync";
  std::string source_ref;
  std::string error_kind = "connector_error";
  std::string message;
  nlohmann::json payload = nlohmann::json::object();
  std::optional<std::string> dedupe_key;  // default: SHA-1 of connector:mode:operation:source_ref:error_kind
};

struct Registered {
  long long id;
  int attempt;
  std::string status;  // pending | retrying | dead_letter
  std::string next_retry_at;
};

// Bumps the open row with the same key, or opens a new one (after a dead letter, too).
Registered register_error(pqxx::transaction_base& tx, const std::string& project_id, const ConnectorError& error,
                          const RetrySettings& settings);
// A record PostgreSQL would not store: one dead-letter row per (table, record), counted again
// when it is refused again. Retrying cannot help until its cause is fixed (then: sync --full).
void record_refused_row(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector,
                        const std::string& table, const std::string& record, const std::string& sqlstate);

// Resolves every open row of a connector; returns how many.
size_t resolve_open(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector);
// Resolves one row from any status (after a successful retry).
void resolve_by_id(pqxx::transaction_base& tx, const std::string& project_id, long long id);

// Newest first; status filter optional.
nlohmann::json list_errors(pqxx::connection& conn, const std::string& project_id,
                           const std::optional<std::string>& status, int limit);

struct DueError {
  long long id;
  std::string connector;
};
// pending/retrying rows with next_retry_at ≤ now, oldest due first.
std::vector<DueError> due_errors(pqxx::connection& conn, const std::string& project_id, int limit);

// A dead letter goes back to pending, attempt 0, due now. 404 error_not_found for any
// other row; 409 when an open row with the same key exists (D6).
nlohmann::json retry_dead_letter(pqxx::connection& conn, const std::string& project_id, long long id);

}  // namespace labctl::connectors
