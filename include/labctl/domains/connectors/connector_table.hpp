#pragma once
// The connectors, as one table: what each is called, which setting holds its token, how it pulls,
// what it writes, how its completeness is measured and which events its rows become. Code that
// works on "a connector" looks the entry up here instead of comparing names.
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/domains/connectors/connector_sync.hpp"
#include "labctl/domains/connectors/event_log.hpp"
#include "labctl/domains/connectors/reconciliation.hpp"
#include "labctl/domains/connectors/sync_results.hpp"

namespace labctl::connectors {

struct Connector {
  std::string name;           // chatwoot | linear | attio
  std::string source_kind;    // its project_sources kind: chatwoot_account, linear_workspace, attio_workspace
  std::string binding_label;  // its binding errors' prefix (<label>_source_not_bound, …), as in the reference
  std::string token_setting;  // the config key of its API token
  PullResult (*pull)(SyncContext& ctx);
  std::vector<std::string> tables;  // what a pull writes, besides the sync bookkeeping
  // Counts completeness (§8) in the caller's transaction.
  ReconciliationMetric (*measure)(pqxx::transaction_base& tx, const std::string& project_id,
                                  const std::string& account_scope_id);
  // Derives connector_events from the rows changed in the window (§7.2).
  EventCounts (*derive_events)(pqxx::transaction_base& tx, const EventWindow& window);
};

// chatwoot, linear, attio: the order syncs and reports follow.
const std::vector<Connector>& connector_table();
// The entry of that name; Error(invalid_params, unsupported_connector) for any other name.
const Connector& connector_named(const std::string& name);
std::vector<std::string> connector_names();

}  // namespace labctl::connectors
