#pragma once
// The live events of spec/api.md §5, as they travel between processes: published with NOTIFY on
// one channel per event (payload: compact JSON with project_id, account_scope_id and the event's
// fields, sent after the work it reports is committed), and read back by every `serve` that
// LISTENs, which writes them to the project's event streams without the scope ids.
// Publishing is fire-and-forget: it never fails the work it reports.
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace labctl::events {

inline constexpr const char* kJobStarted = "job_started";
inline constexpr const char* kJobCompleted = "job_completed";
inline constexpr const char* kSyncProgress = "connector_sync_progress";
// Every channel a listener subscribes to.
const std::vector<std::string>& channels();

// A scheduled job's run begins (status "running").
struct JobStarted {
  std::string project_id, account_scope_id;
  std::string job_type;
};

struct JobCompleted {
  std::string project_id, account_scope_id;
  std::string job_type;  // the scheduled job type: chatwoot_sync, embeddings_run, …
  bool ok = true;
};

// phase: started (connectors), connectors_done (ok, failed), reconciliation, completed (ok, failed, total).
struct SyncProgress {
  std::string project_id, account_scope_id;
  std::string phase;
  std::vector<std::string> connectors;  // "started" only
  std::optional<long long> ok, failed, total;
};

// NOTIFY the event; false (logged with the channel, never thrown) when it could not be sent.
bool publish(pqxx::connection& conn, const JobStarted& event);
bool publish(pqxx::connection& conn, const JobCompleted& event);
bool publish(pqxx::connection& conn, const SyncProgress& event);

// A notification as a stream delivers it: the project it is for, and the frame's event name
// and data (the payload without its scope ids). nullopt: not JSON, not an object, or no project_id.
struct Delivery {
  std::string project_id, name, data;
};
std::optional<Delivery> delivery(const std::string& channel, const std::string& payload);

}  // namespace labctl::events
