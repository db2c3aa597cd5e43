#pragma once
// Event-log derivation (connectors.md §7.2): raw connector rows changed in a window become
// connector_events rows (message_sent, issue_blocked, deal_stage_changed, …). Set-based: one
// INSERT … SELECT per event family, the dedupe key computed in SQL, so a sync of 100k messages
// costs a handful of statements, and re-deriving the same window inserts nothing.
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "labctl/domains/connectors/sync_results.hpp"

namespace labctl::connectors {

// The rows one derivation looks at: COALESCE(updated_at, created_at) in (since, until], at most
// `limit` per event family, oldest first.
struct EventWindow {
  std::string project_id, account_scope_id;
  std::string since, until;  // ISO-8601, normalised
  int limit = 3000;
};

struct EventCounts {
  long long generated = 0;  // candidate events
  long long inserted = 0;   // new rows (the rest were derived before)
};

// Each connector's event families (the connector table points at them).
EventCounts derive_chatwoot_events(pqxx::transaction_base& tx, const EventWindow& window);
EventCounts derive_linear_events(pqxx::transaction_base& tx, const EventWindow& window);
EventCounts derive_attio_events(pqxx::transaction_base& tx, const EventWindow& window);

// The window is COALESCE(updated_at, created_at) in (since, until]. `since` defaults to
// now − lookback_days (clamped to [1..90]), `until` to now; both are ISO-8601 and are
// returned normalised (UTC, milliseconds). `limit` (clamped to [10..50000]) caps the source
// rows of each family, oldest first.
// The dedupe key is SHA-256 hex of source NUL type NUL source_ref NUL occurred_at (ISO).
// An unknown connector → 400 unsupported_connector, nothing written.
EventLogRun derive_event_log(pqxx::transaction_base& tx, const std::string& project_id,
                                const std::string& account_scope_id, const std::string& connector,
                                std::optional<std::string> since_iso, std::optional<std::string> until_iso,
                                int limit = 3000, int lookback_days = 14);

}  // namespace labctl::connectors
