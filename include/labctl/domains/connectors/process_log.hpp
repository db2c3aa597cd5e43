#pragma once
// Process lifecycle events in connector_events (connectors.md §7.1): one run of a named
// process is started, then finished (with duration and counters) or failed; warnings in between.
#include <chrono>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>

namespace labctl::connectors {

class ProcessRun {
 public:
  // Writes process_started. `source` is the connector, or "system" for cycles.
  ProcessRun(pqxx::connection& conn, std::string project_id, std::string source, std::string process,
             nlohmann::json payload = nlohmann::json::object());

  void warn(const std::string& message);
  // The same, inside the caller's transaction (which must commit for it to count).
  void warn(pqxx::transaction_base& tx, const std::string& message);
  void finish(const nlohmann::json& counters);
  void fail(const std::string& error_message);
  const std::string& run_id() const { return run_id_; }
  const std::string& source() const { return source_; }

 private:
  void write(const std::string& type, nlohmann::json payload, const std::string& source_ref,
             const std::string& dedupe_key);
  void write(pqxx::transaction_base& tx, const std::string& type, nlohmann::json payload,
             const std::string& source_ref, const std::string& dedupe_key);

  pqxx::connection& conn_;
  std::string project_id_, source_, process_, run_id_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace labctl::connectors
