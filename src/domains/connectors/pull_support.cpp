#include "labctl/domains/connectors/pull_support.hpp"

#include "labctl/db/bulk_upsert.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/connectors/error_queue.hpp"
#include "labctl/domains/connectors/process_log.hpp"
#include "labctl/domains/connectors/source_bindings.hpp"

namespace labctl::connectors {
namespace {

constexpr int kOverlapMinutes = 10;

}  // namespace

db::UpsertCount write_rows(pqxx::work& tx, SyncContext& ctx, const db::UpsertSpec& spec, const std::vector<db::Row>& rows) {
  auto count = db::bulk_upsert(tx, ctx.columns, spec, rows, ctx.project_id, ctx.account_scope_id);
  for (const auto& refused : count.refused) {
    record_refused_row(tx, ctx.project_id, ctx.process.source(), spec.table, refused.key, refused.sqlstate);
    ctx.process.warn(tx, "PostgreSQL refused " + spec.table + " record " + refused.key + " (SQLSTATE " + refused.sqlstate +
                     "); the rest of its page was written");
    ++ctx.refused_records;
  }
  return count;
}

Watermark read_watermark(pqxx::connection& conn, const std::string& project_id, const std::string& source) {
  pqxx::read_transaction tx(conn);
  auto r = tx.exec_params("SELECT " + db::iso_utc("cursor_ts") + ", cursor_id FROM sync_watermarks "
                          "WHERE project_id = $1 AND source = $2",
                          project_id, source);
  Watermark w;
  if (!r.empty()) {
    if (!r[0][0].is_null()) w.ts = r[0][0].c_str();
    if (!r[0][1].is_null()) w.id = r[0][1].c_str();
  }
  return w;
}

void write_watermark(pqxx::connection& conn, const std::string& project_id, const std::string& source,
                     const Watermark& mark, const nlohmann::json& meta) {
  pqxx::work tx(conn);
  nlohmann::json m = meta;
  m["synced_at"] = tx.exec1("SELECT " + db::iso_utc("now()"))[0].as<std::string>();
  tx.exec_params(
      "INSERT INTO sync_watermarks (project_id, source, cursor_ts, cursor_id, meta, updated_at) "
      "VALUES ($1, $2, $3::timestamptz, $4, $5::jsonb, now()) ON CONFLICT (project_id, source) DO UPDATE SET "
      "cursor_ts = excluded.cursor_ts, cursor_id = excluded.cursor_id, meta = excluded.meta, updated_at = now()",
      project_id, source, mark.ts, mark.id, db::jsonb_text(m));
  tx.commit();
}

void NewestSeen::offer(const std::optional<std::string>& updated_at, const std::string& id) {
  if (!updated_at) return;
  if (!mark.ts || *updated_at > *mark.ts || (*updated_at == *mark.ts && id > mark.id.value_or(""))) {
    mark.ts = updated_at;
    mark.id = id;
  }
}

std::optional<std::string> incremental_since(pqxx::connection& conn, const Watermark& mark, bool full) {
  if (full || !mark.ts) return std::nullopt;
  pqxx::read_transaction tx(conn);
  return tx.exec_params1("SELECT " + db::iso_utc("$1::timestamptz - make_interval(mins => $2)"), *mark.ts,
                         kOverlapMinutes)[0].as<std::string>();
}

PullSummary pull_summary(const SyncContext& ctx, std::string source, std::optional<std::string> since,
                         long long pages, long long requests, Watermark cursor) {
  return {.source = std::move(source), .full = ctx.options.full, .since = std::move(since), .pages = pages,
          .requests = requests, .refused_records = ctx.refused_records, .cursor = std::move(cursor)};
}

std::string workspace_binding(pqxx::connection& conn, const std::string& project_id, const std::string& connector,
                              const std::string& configured) {
  pqxx::work tx(conn);
  auto id = resolve_binding(tx, project_id, connector,
                            configured.empty() ? "auto-" + project_id.substr(0, 8) : configured);
  tx.commit();
  return id;
}

}  // namespace labctl::connectors
