#pragma once
// Each connector's pull: fetch pages from the source and write them (connectors.md §2–4).
#include "labctl/domains/connectors/connector_sync.hpp"
#include "labctl/domains/connectors/sync_results.hpp"

namespace labctl::connectors {

PullResult pull_chatwoot(SyncContext& ctx);
PullResult pull_linear(SyncContext& ctx);
PullResult pull_attio(SyncContext& ctx);

}  // namespace labctl::connectors
