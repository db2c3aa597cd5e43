#include "labctl/domains/connectors/connector_sync.hpp"

#include <set>
#include <spdlog/spdlog.h>
#include <thread>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/db/database.hpp"
#include "labctl/domains/connectors/connector_table.hpp"
#include "labctl/domains/connectors/error_queue.hpp"
#include "labctl/domains/connectors/event_log.hpp"
#include "labctl/domains/connectors/process_log.hpp"
#include "labctl/domains/connectors/reconciliation.hpp"
#include "labctl/domains/connectors/source_bindings.hpp"
#include "labctl/domains/connectors/source_http.hpp"
#include "labctl/domains/connectors/sync_state.hpp"
#include "labctl/domains/events/live_events.hpp"
#include "labctl/net/circuit_breaker.hpp"
#include "labctl/net/http_client.hpp"

namespace labctl::connectors {
namespace {

using json = nlohmann::json;

json optional_text(const std::optional<std::string>& s) { return s ? json(*s) : json(); }

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
std::optional<EventLogRun> derive_events(pqxx::connection& conn, const std::string& project_id,
                                         const std::string& account_scope_id, const std::string& connector,
                                         const Watermark& before, const PullSummary& pulled, ProcessRun& process) {
  try {
    pqxx::work tx(conn);
    EventLogRun log = derive_event_log(tx, project_id, account_scope_id, connector,
                                       before.ts ? before.ts : pulled.since, pulled.cursor.ts);
    tx.commit();
    return log;
  } catch (const std::exception& e) {
    process.warn(std::string("Event log sync failed: ") + e.what());
    return std::nullopt;
  }
}

}  // namespace

ConnectorRun run_connector_sync(db::Database& database, pqxx::connection& conn, const std::string& project_id,
                                const std::string& account_scope_id, const std::string& connector_name,
                                const Config& config, const SyncOptions& options) {
  const Connector& connector = connector_named(connector_name);  // 400 unsupported_connector, before any write
  const std::string mode = config.get("connectors.mode");
  if (mode != "http")
    throw Error(ErrorClass::config, connector.name + "_mcp_not_configured",
                "connectors.mode (CONNECTOR_MODE) '" + mode + "' is not available; use http");
  auto started = std::chrono::steady_clock::now();
  RunLock lock(conn, project_id, connector.name);  // one run of this connector per project at a time
  Watermark before;
  {
    pqxx::read_transaction tx(conn);
    before = current_cursor(tx, project_id, connector.name);
  }
  mark_running(conn, project_id, connector.name, mode);
  ProcessRun process(conn, project_id, connector.name, "sync_" + connector.name,
                     {{"connector", connector.name}, {"mode", mode}, {"cursor_ts_before", optional_text(before.ts)},
                      {"cursor_id_before", optional_text(before.id)}});
  try {
    // The breaker spans this run only: a dead upstream fails the run fast, and the error
    // queue (not a process-wide breaker) decides when to try again.
    net::CircuitBreakerRegistry breakers;
    auto http = connector_http_client(config, breakers, options.deadline);
    SyncContext ctx{conn, database.columns(), project_id, account_scope_id, config, options, http, process};
    ConnectorRun run{.connector = connector.name, .mode = mode, .result = connector.pull(ctx)};
    const PullSummary& pulled = summary(run.result);
    run.event_log = derive_events(conn, project_id, account_scope_id, connector.name, before, pulled, process);
    {
      pqxx::work tx(conn);
      mark_ok(tx, project_id, connector.name, pulled.cursor, run.result);
      run.resolved_errors = static_cast<long long>(resolve_open(tx, project_id, connector.name));
      tx.commit();
    }
    process.finish({{"resolved_errors", run.resolved_errors}});
    run.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    return run;
  } catch (const std::exception& e) {
    record_failure(conn, project_id, connector.name, mode, e, config);
    try {
      process.fail(e.what());
    } catch (const std::exception&) {
      // the process log is observability; the sync's own error matters
    }
    throw;
  }
}

SyncCycle run_all_connectors(db::Database& database, const std::string& project_id,
                             const std::string& account_scope_id, const Config& config, const SyncOptions& options) {
  const auto& table = connector_table();
  // api.md §5: the cycle's phases as live events (on their own connection; never failing the cycle).
  auto progress = [&](events::SyncProgress event) {
    event.project_id = project_id;
    event.account_scope_id = account_scope_id;
    try {
      events::publish(*database.connect(), event);
    } catch (const std::exception&) {
      spdlog::warn("connector_sync_progress {} for project {} not published", event.phase, project_id);
    }
  };
  std::vector<std::string> names;
  for (const auto& c : table) names.push_back(c.name);
  progress({.phase = "started", .connectors = names});
  SyncCycle cycle;
  cycle.results.resize(table.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < table.size(); ++i)
    threads.emplace_back([&, i] {
      auto& outcome = cycle.results[i];
      outcome.connector = table[i].name;
      try {
        auto conn = database.connect();
        outcome.run =
            run_connector_sync(database, *conn, project_id, account_scope_id, table[i].name, config, options);
      } catch (const std::exception& e) {
        outcome.error = e.what();
        const auto* err = dynamic_cast<const Error*>(&e);
        outcome.error_code = err ? err->code() : "internal_error";
        outcome.error_class = class_name(err ? err->error_class() : ErrorClass::internal);
        if (err && err->details().is_object() && err->details().value("retry_after_ms", json()).is_number_integer())
          outcome.retry_after_ms = err->details()["retry_after_ms"].get<long long>();
      }
    });
  for (auto& t : threads) t.join();
  const long long ok = static_cast<long long>(cycle.ok()), failed = static_cast<long long>(cycle.failed());
  progress({.phase = "connectors_done", .ok = ok, .failed = failed});
  auto conn = database.connect();
  ProcessRun process(*conn, project_id, "system", "connectors_sync_cycle");
  progress({.phase = "reconciliation"});
  if (cycle.failed() > 0) process.warn("One or more connectors failed in cycle");
  try {
    pqxx::work tx(*conn);
    cycle.reconciliation = run_reconciliation(tx, project_id, account_scope_id, "sync_cycle");
    tx.commit();
    if (cycle.reconciliation["summary"]["completeness_pct"].get<double>() < config.get_int("connectors.min_completeness_pct"))
      process.warn("Reconciliation completeness is below threshold");
  } catch (const std::exception& e) {
    process.warn(std::string("Reconciliation after sync cycle failed: ") + e.what());
  }
  process.finish({{"total", cycle.results.size()}, {"ok", cycle.ok()}, {"failed", cycle.failed()}});
  progress({.phase = "completed", .ok = ok, .failed = failed, .total = static_cast<long long>(cycle.results.size())});
  return cycle;
}

size_t RetryPass::succeeded() const {
  size_t n = 0;
  for (const auto& r : retried) n += r.error.empty();
  return n;
}

void to_json(json& j, const RetryPass& pass) {
  json retried = json::array();
  for (const auto& r : pass.retried) {
    json row = {{"id", r.id}, {"connector", r.connector}, {"status", r.error.empty() ? "resolved" : "failed"}};
    if (!r.error.empty()) row["error"] = r.error;
    retried.push_back(std::move(row));
  }
  j = {{"due", pass.due}, {"succeeded", pass.succeeded()}, {"failed", pass.failed()}, {"retried", retried}};
}

RetryPass retry_due_errors(db::Database& database, pqxx::connection& conn, const std::string& project_id, const std::string& account_scope_id,
                           const Config& config, int limit, std::optional<long long> only) {
  auto due = due_errors(conn, project_id, only ? 500 : limit);
  if (only) std::erase_if(due, [&](const DueError& e) { return e.id != *only; });
  RetryPass pass{.due = due.size()};
  std::set<std::string> attempted;  // each connector at most once per pass
  for (const auto& error : due) {
    if (!attempted.insert(error.connector).second) continue;
    RetriedError retried{error.id, error.connector, ""};
    try {
      run_connector_sync(database, conn, project_id, account_scope_id, error.connector, config, {});
    } catch (const std::exception& e) {
      retried.error = e.what();
    }
    pass.retried.push_back(std::move(retried));
  }
  if (pass.failed()) spdlog::warn("Connector retry cycle has failures");
  return pass;
}

}  // namespace labctl::connectors
