#pragma once
// What the three pulls share: writing mapped records, the per-source watermark, the
// incremental window, and the workspace binding with its fallback.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/db/bulk_upsert.hpp"
#include "labctl/domains/connectors/connector_sync.hpp"
#include "labctl/domains/connectors/sync_results.hpp"

namespace labctl::connectors {

// Upserts the rows in the page's transaction. Rows PostgreSQL refuses are left out: each becomes a
// dead-letter connector error naming the table, the record and the SQLSTATE, and a process warning.
db::UpsertCount write_rows(pqxx::work& tx, SyncContext& ctx, const db::UpsertSpec& spec, const std::vector<db::Row>& rows);

template <typename T>
db::UpsertCount write_records(pqxx::work& tx, const std::vector<T>& records, SyncContext& ctx) {
  std::vector<db::Row> rows;
  rows.reserve(records.size());
  for (const auto& r : records) rows.push_back(r.cells());
  return write_rows(tx, ctx, T::spec(), rows);
}

Watermark read_watermark(pqxx::connection& conn, const std::string& project_id, const std::string& source);
void write_watermark(pqxx::connection& conn, const std::string& project_id, const std::string& source,
                     const Watermark& mark, const nlohmann::json& meta);

// The newest (updated_at, id) seen in a run.
struct NewestSeen {
  Watermark mark;
  void offer(const std::optional<std::string>& updated_at, const std::string& id);
};

// Incremental runs re-read from the watermark minus an overlap, so a record updated while
// the previous run paged is seen again; --full or no watermark → everything.
std::optional<std::string> incremental_since(pqxx::connection& conn, const Watermark& mark, bool full);

// The fields every pull result shares; `full` and `refused_records` come from the context.
PullSummary pull_summary(const SyncContext& ctx, std::string source, std::optional<std::string> since,
                         long long pages, long long requests, Watermark cursor);

// The bound workspace, else the configured id, else "auto-" + the project's first 8 characters.
std::string workspace_binding(pqxx::connection& conn, const std::string& project_id, const std::string& connector,
                              const std::string& configured);

}  // namespace labctl::connectors
