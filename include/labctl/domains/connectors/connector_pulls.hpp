#pragma once
// Each connector's pull: fetch pages from the source and write them (connectors.md §2–4).
// Returns the run's result object, including cursor_ts and cursor_id.
#include <nlohmann/json.hpp>

#include "labctl/domains/connectors/connector_sync.hpp"

namespace labctl::connectors {

nlohmann::json pull_chatwoot(SyncContext& ctx);
nlohmann::json pull_linear(SyncContext& ctx);
nlohmann::json pull_attio(SyncContext& ctx);

}  // namespace labctl::connectors
