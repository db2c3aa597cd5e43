#include "labctl/domains/connectors/connector_sync.hpp"

#include <set>
#include <spdlog/spdlog.h>
#include <thread>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/domains/connectors/connector_pulls.hpp"
#include "labctl/domains/connectors/error_queue.hpp"
#include "labctl/domains/connectors/event_log.hpp"
#include "labctl/domains/connectors/process_log.hpp"
#include "labctl/domains/connectors/reconciliation.hpp"
#include "labctl/domains/connectors/source_bindings.hpp"
#include "labctl/domains/connectors/source_http.hpp"
#include "labctl/domains/connectors/sync_state.hpp"
#include "labctl/net/circuit_breaker.hpp"
#include "labctl/net/http_client.hpp"

namespace labctl::connectors {
namespace {

using json = nlohmann::json;

json (*pull_for(const std::string& connector))(SyncContext&) {
  if (connector == "chatwoot") return pull_chatwoot;
  if (connector == "linear") return pull_linear;
  return pull_attio;
}

json optional_text(const std::optional<std::string>& s) { return s ? json(*s) : json(); }

std::optional<std::string> text_field(const json& result, const char* key) {
  if (result.contains(key) && result[key].is_string()) return result[key].get<std::string>();
  return std::nullopt;
}

// Queue the failure and mark the state failed, together. The payload keeps what there is to
// debug with: the error code and its details (HTTP status, attempts, the start of a body that
// was not JSON). Best effort: the original error is what the caller sees even if the
// database went away.
void record_failure(pqxx::connection& conn, const std::string& project_id, const std::string& connector,
                    const std::string& mode, const std::exception& error, const Config& config) {
  const std::string message = error.what();
  json payload = {{"connector", connector}, {"mode", mode}};
  if (const auto* e = dynamic_cast<const Error*>(&error)) {
    payload["error_code"] = e->code();
    if (!e->details().is_null()) payload["details"] = e->details();
  }
  try {
    pqxx::work tx(conn);
    register_error(tx, project_id,
                   {.connector = connector, .mode = mode, .operation = "sync", .source_ref = connector,
                    .error_kind = "sync_failed", .message = message, .payload = payload},
                   {config.get_int("connectors.retry_base_seconds"), config.get_int("connectors.max_retries")});
    mark_failed(tx, project_id, connector, message);
    tx.commit();
  } catch (const std::exception& e) {
    spdlog::error("could not record the {} sync failure: {}", connector, e.what());
  }
}

// §7 step 5: the run's window, from the old cursor (else the run's `since`) to the new one
// (else now). Non-fatal: a failure is a warning and an empty result.
json derive_events(pqxx::connection& conn, const std::string& project_id, const std::string& account_scope_id,
                   const std::string& connector, const Cursor& before, const json& result, ProcessRun& process) {
  try {
    pqxx::work tx(conn);
    json log = derive_event_log(tx, project_id, account_scope_id, connector,
                                before.ts ? before.ts : text_field(result, "since"), text_field(result, "cursor_ts"));
    tx.commit();
    return log;
  } catch (const std::exception& e) {
    process.warn(std::string("Event log sync failed: ") + e.what());
    return nullptr;
  }
}

}  // namespace

json run_connector_sync(pqxx::connection& conn, const std::string& project_id, const std::string& account_scope_id,
                        const std::string& connector, const Config& config, const SyncOptions& options) {
  source_kind(connector);  // 400 unsupported_connector, before any write
  const std::string mode = config.get("connectors.mode");
  if (mode != "http")
    throw Error(ErrorClass::config, connector + "_mcp_not_configured",
                "connectors.mode (CONNECTOR_MODE) '" + mode + "' is not available; use http");
  auto started = std::chrono::steady_clock::now();
  Cursor before;
  {
    pqxx::read_transaction tx(conn);
    before = current_cursor(tx, project_id, connector);
  }
  mark_running(conn, project_id, connector, mode);
  ProcessRun process(conn, project_id, connector, "sync_" + connector,
                     {{"connector", connector}, {"mode", mode}, {"cursor_ts_before", optional_text(before.ts)},
                      {"cursor_id_before", optional_text(before.id)}});
  try {
    // The breaker spans this run only: a dead upstream fails the run fast, and the error
    // queue (not a process-wide breaker) decides when to try again.
    net::CircuitBreakerRegistry breakers;
    auto http = connector_http_client(config, breakers);
    SyncContext ctx{conn, project_id, account_scope_id, config, options, http, process};
    json result = pull_for(connector)(ctx);
    json event_log = derive_events(conn, project_id, account_scope_id, connector, before, result, process);
    size_t resolved = 0;
    {
      pqxx::work tx(conn);
      mark_ok(tx, project_id, connector, {text_field(result, "cursor_ts"), text_field(result, "cursor_id")}, result);
      resolved = resolve_open(tx, project_id, connector);
      tx.commit();
    }
    process.finish({{"resolved_errors", resolved}});
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return {{"connector", connector},   {"mode", mode},       {"result", result},
            {"event_log", event_log},   {"resolved_errors", resolved}, {"duration_ms", ms.count()}};
  } catch (const std::exception& e) {
    record_failure(conn, project_id, connector, mode, e, config);
    try {
      process.fail(e.what());
    } catch (const std::exception&) {
      // the process log is observability; the sync's own error matters
    }
    throw;
  }
}

json run_all_connectors(const ConnectionFactory& connect, const std::string& project_id,
                        const std::string& account_scope_id, const Config& config, const SyncOptions& options) {
  const auto& names = connector_names();
  std::vector<json> results(names.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < names.size(); ++i)
    threads.emplace_back([&, i] {
      try {
        auto conn = connect();
        json r = run_connector_sync(*conn, project_id, account_scope_id, names[i], config, options);
        r["status"] = "ok";
        results[i] = std::move(r);
      } catch (const std::exception& e) {
        results[i] = {{"connector", names[i]}, {"status", "failed"}, {"error", e.what()}};
        if (const auto* err = dynamic_cast<const Error*>(&e)) results[i]["error_code"] = err->code();
      }
    });
  for (auto& t : threads) t.join();
  size_t ok = 0;
  for (const auto& r : results) ok += r["status"] == "ok";
  auto conn = connect();
  ProcessRun cycle(*conn, project_id, "system", "connectors_sync_cycle");
  if (ok < names.size()) cycle.warn("One or more connectors failed in cycle");
  json reconciliation;
  try {
    pqxx::work tx(*conn);
    reconciliation = run_reconciliation(tx, project_id, account_scope_id, "sync_cycle");
    tx.commit();
    if (reconciliation["summary"]["completeness_pct"].get<double>() < config.get_int("connectors.min_completeness_pct"))
      cycle.warn("Reconciliation completeness is below threshold");
  } catch (const std::exception& e) {
    cycle.warn(std::string("Reconciliation after sync cycle failed: ") + e.what());
  }
  cycle.finish({{"total", names.size()}, {"ok", ok}, {"failed", names.size() - ok}});
  return {{"total", names.size()},
          {"ok", ok},
          {"failed", names.size() - ok},
          {"results", results},
          {"reconciliation", reconciliation}};
}

json retry_due_errors(pqxx::connection& conn, const std::string& project_id, const std::string& account_scope_id,
                      const Config& config, int limit, std::optional<long long> only) {
  auto due = due_errors(conn, project_id, only ? 500 : limit);
  if (only) std::erase_if(due, [&](const DueError& e) { return e.id != *only; });
  json retried = json::array();
  size_t succeeded = 0, failed = 0;
  std::set<std::string> attempted;  // each connector at most once per pass
  for (const auto& error : due) {
    if (!attempted.insert(error.connector).second) continue;
    try {
      run_connector_sync(conn, project_id, account_scope_id, error.connector, config, {});
      ++succeeded;
      retried.push_back({{"id", error.id}, {"connector", error.connector}, {"status", "resolved"}});
    } catch (const std::exception& e) {
      ++failed;
      retried.push_back({{"id", error.id}, {"connector", error.connector}, {"status", "failed"}, {"error", e.what()}});
    }
  }
  if (failed) spdlog::warn("Connector retry cycle has failures");
  return {{"due", due.size()}, {"succeeded", succeeded}, {"failed", failed}, {"retried", retried}};
}

}  // namespace labctl::connectors
