#include "labctl/domains/connectors/sync_state.hpp"

#include "labctl/core/utf8.hpp"
#include "labctl/core/error.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/db/rows.hpp"

namespace labctl::connectors {
using db::iso_utc;

namespace {

constexpr int kRunLockClass = 1818321523;  // "labs": the namespace of these session locks

std::string lock_key(const std::string& project_id, const std::string& connector) { return project_id + ":" + connector; }

}  // namespace

RunLock::RunLock(pqxx::connection& conn, const std::string& project_id, const std::string& connector)
    : conn_(conn), key_(lock_key(project_id, connector)) {
  pqxx::nontransaction tx(conn_);
  if (!tx.exec_params1("SELECT pg_try_advisory_lock($1, hashtext($2))", kRunLockClass, key_)[0].as<bool>())
    throw Error(ErrorClass::conflict, "sync_in_progress",
                "a " + connector + " sync of project " + project_id + " is already running");
}

RunLock::~RunLock() {
  try {
    pqxx::nontransaction(conn_).exec_params("SELECT pg_advisory_unlock($1, hashtext($2))", kRunLockClass, key_);
  } catch (const std::exception&) {
    // a broken connection has released it already
  }
}

void mark_running(pqxx::connection& conn, const std::string& project_id, const std::string& connector,
                  const std::string& mode) {
  pqxx::work tx(conn);
  tx.exec_params(
      "INSERT INTO connector_sync_state (project_id, connector, mode, status, last_attempt_at, updated_at) "
      "VALUES ($1, $2, $3, 'running', now(), now()) ON CONFLICT (project_id, connector) DO UPDATE SET "
      "mode = excluded.mode, status = 'running', last_attempt_at = now(), updated_at = now()",
      project_id, connector, mode);
  tx.commit();
}

void mark_ok(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector,
             const Watermark& cursor, const nlohmann::json& meta) {
  tx.exec_params(
      "INSERT INTO connector_sync_state AS s (project_id, connector, status, cursor_ts, cursor_id, last_success_at, "
      " last_attempt_at, retry_count, last_error, meta, updated_at) "
      "VALUES ($1, $2, 'ok', $3::timestamptz, $4, now(), now(), 0, NULL, $5::jsonb, now()) "
      "ON CONFLICT (project_id, connector) DO UPDATE SET status = 'ok', cursor_ts = excluded.cursor_ts, "
      " cursor_id = excluded.cursor_id, last_success_at = now(), last_attempt_at = now(), retry_count = 0, "
      " last_error = NULL, meta = excluded.meta, updated_at = now()",
      project_id, connector, cursor.ts, cursor.id, db::jsonb_text(meta));
}

void mark_failed(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector,
                 const std::string& error) {
  tx.exec_params(
      "INSERT INTO connector_sync_state AS s (project_id, connector, status, retry_count, last_error, "
      " last_attempt_at, updated_at) VALUES ($1, $2, 'failed', 1, $3, now(), now()) "
      "ON CONFLICT (project_id, connector) DO UPDATE SET status = 'failed', retry_count = s.retry_count + 1, "
      " last_error = excluded.last_error, updated_at = now()",
      project_id, connector, storable_text(utf8_prefix(error, 2000)));
}

Watermark current_cursor(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector) {
  auto r = tx.exec_params("SELECT " + iso_utc("cursor_ts") + ", cursor_id FROM connector_sync_state "
                          "WHERE project_id = $1 AND connector = $2",
                          project_id, connector);
  if (r.empty()) return {};
  Watermark c;
  if (!r[0][0].is_null()) c.ts = r[0][0].c_str();
  if (!r[0][1].is_null()) c.id = r[0][1].c_str();
  return c;
}

nlohmann::json list_states(pqxx::connection& conn, const std::string& project_id) {
  pqxx::read_transaction tx(conn);
  nlohmann::json out = nlohmann::json::array();
  auto opt = [](const pqxx::field& f) { return f.is_null() ? nlohmann::json() : nlohmann::json(f.c_str()); };
  for (const auto& r : tx.exec_params(
           "SELECT connector, mode, CASE WHEN status = 'running' AND NOT EXISTS ("
           "  SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
           "    AND l.classid = " + std::to_string(kRunLockClass) + " AND l.objid = hashtext(project_id || ':' || connector)::oid) "
           "THEN 'interrupted' ELSE status END, " + iso_utc("cursor_ts") + ", cursor_id, " + iso_utc("last_success_at") + ", " +
               iso_utc("last_attempt_at") + ", retry_count, last_error, meta::text, " + iso_utc("updated_at") +
               " FROM connector_sync_state WHERE project_id = $1 ORDER BY connector",
           project_id))
    out.push_back({{"connector", r[0].c_str()},      {"mode", r[1].c_str()},          {"status", r[2].c_str()},
                   {"cursor_ts", opt(r[3])},         {"cursor_id", opt(r[4])},        {"last_success_at", opt(r[5])},
                   {"last_attempt_at", opt(r[6])},   {"retry_count", r[7].as<int>()}, {"last_error", opt(r[8])},
                   {"meta", nlohmann::json::parse(r[9].c_str())}, {"updated_at", r[10].c_str()}});
  return out;
}

}  // namespace labctl::connectors
