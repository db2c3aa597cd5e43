#pragma once
// What connector syncs report, as typed values (connectors.md §7). The ops layer turns them into
// JSON; the names of the fields are the API's.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace labctl::connectors {

// The newest (updated_at, id) a pull has seen: where the next incremental run starts.
struct Watermark {
  std::optional<std::string> ts;  // ISO-8601
  std::optional<std::string> id;
};

// What every pull reports.
struct PullSummary {
  std::string source;  // chatwoot:101, linear:<workspace>, attio:<workspace>
  bool full = false;
  std::optional<std::string> since;  // the incremental window's start; none = everything
  long long pages = 0, requests = 0;
  long long refused_records = 0;  // rows PostgreSQL would not take: left out, each a dead-letter error
  Watermark cursor;
};

struct ChatwootPullResult : PullSummary {
  std::string account_id;
  long long processed_conversations = 0, processed_messages = 0;
  long long touched_conversations = 0, touched_messages = 0, touched_contacts = 0, touched_inboxes = 0,
            touched_attachments = 0;
  long long inserted_chunks = 0, reembedded_chunks = 0, deleted_chunks = 0;
};

struct LinearPullResult : PullSummary {
  std::string workspace_id;
  long long processed_issues = 0;
  long long touched_projects = 0, touched_states = 0, touched_cycles = 0, touched_issues = 0;
};

// The CRM mirror's reach after an Attio pull.
struct CrmCoverage {
  long long total_attio_accounts = 0, mirrored_accounts = 0, total_attio_opportunities = 0,
            mirrored_opportunities = 0, opportunities_without_account_ref = 0,
            opportunities_unmapped_to_crm_account = 0;
};

struct AttioPullResult : PullSummary {
  std::string workspace_id;
  long long soft_failures = 0;  // people or activities lists that failed and counted as empty
  long long touched_accounts = 0, touched_opportunities = 0, touched_people = 0, touched_activities = 0;
  long long mirrored_crm_accounts = 0, mirrored_crm_opportunities = 0;
  CrmCoverage coverage;
};

using PullResult = std::variant<ChatwootPullResult, LinearPullResult, AttioPullResult>;

// Rows the pull inserted or changed (chunks and CRM mirror rows included).
long long changed_rows(const PullResult& result);
// The records the pull processed, as job_runs.processed_count counts them.
long long processed_records(const PullResult& result);
const PullSummary& summary(const PullResult& result);

// connector_events derived from the run's window (§7.2).
struct EventLogRun {
  std::string connector;
  long long generated = 0, inserted = 0;
  std::string since_ts, until_ts;
};

// One connector's sync: run_connector_sync.
struct ConnectorRun {
  std::string connector, mode;
  PullResult result;
  std::optional<EventLogRun> event_log;  // none when the derivation failed (a process warning)
  long long resolved_errors = 0;
  long long duration_ms = 0;
};

// One connector in a cycle of all three: its run, or why it failed.
struct ConnectorOutcome {
  std::string connector;
  std::optional<ConnectorRun> run;  // none = failed
  std::string error, error_code, error_class;
  std::optional<long long> retry_after_ms;  // the source asked for this pause (Retry-After)
  bool ok() const { return run.has_value(); }
};

// run_all_connectors: the three connectors, then reconciliation.
struct SyncCycle {
  std::vector<ConnectorOutcome> results;
  nlohmann::json reconciliation;  // run_reconciliation's answer; null when it failed
  size_t ok() const;
  size_t failed() const { return results.size() - ok(); }
};

// The JSON of each (the API's field names; also what connector_sync_state.meta keeps).
void to_json(nlohmann::json& j, const ChatwootPullResult& r);
void to_json(nlohmann::json& j, const LinearPullResult& r);
void to_json(nlohmann::json& j, const CrmCoverage& c);
void to_json(nlohmann::json& j, const AttioPullResult& r);
void to_json(nlohmann::json& j, const PullResult& r);
void to_json(nlohmann::json& j, const EventLogRun& e);
void to_json(nlohmann::json& j, const ConnectorRun& r);
void to_json(nlohmann::json& j, const ConnectorOutcome& o);
void to_json(nlohmann::json& j, const SyncCycle& c);

}  // namespace labctl::connectors
