#include "labctl/domains/connectors/error_queue.hpp"

#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/db/rows.hpp"

namespace labctl::connectors {
namespace {

const std::string kColumns =
    "id, connector, mode, operation, source_ref, error_kind, error_message, payload_json::text, attempt, " +
    db::iso_utc("next_retry_at") + ", status, dedupe_key, " + db::iso_utc("created_at") + ", " +
    db::iso_utc("updated_at") + ", " + db::iso_utc("resolved_at");

nlohmann::json to_json(const pqxx::row& r) {
  auto opt = [](const pqxx::field& f) { return f.is_null() ? nlohmann::json() : nlohmann::json(f.c_str()); };
  return {{"id", r[0].as<long long>()},     {"connector", r[1].c_str()},  {"mode", r[2].c_str()},
          {"operation", r[3].c_str()},      {"source_ref", opt(r[4])},    {"error_kind", r[5].c_str()},
          {"error_message", r[6].c_str()},  {"payload_json", nlohmann::json::parse(r[7].c_str())},
          {"attempt", r[8].as<int>()},      {"next_retry_at", r[9].c_str()}, {"status", r[10].c_str()},
          {"dedupe_key", opt(r[11])},       {"created_at", r[12].c_str()}, {"updated_at", r[13].c_str()},
          {"resolved_at", opt(r[14])}};
}

// At most n characters of text PostgreSQL takes (an error message may carry anything).
std::string cut(const std::string& s, size_t n) { return storable_text(utf8_prefix(s, n)); }

}  // namespace

Registered register_error(pqxx::transaction_base& tx, const std::string& project_id, const ConnectorError& e,
                          const RetrySettings& settings) {
  std::string key = e.dedupe_key.value_or(
      sha1_hex(e.connector + ":" + e.mode + ":" + e.operation + ":" + e.source_ref + ":" + e.error_kind));
  // Backoff: base·2^(attempt−1) seconds, capped at 6 h; the attempt reaching max_retries dead-letters.
  auto r = tx.exec_params1(
      "INSERT INTO connector_errors AS c (project_id, connector, mode, operation, source_ref, error_kind, "
      " error_message, payload_json, attempt, next_retry_at, status, dedupe_key) "
      "VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7, $8::jsonb, 1, now() + make_interval(secs => least(21600, $9)), "
      " CASE WHEN 1 >= $10 THEN 'dead_letter' ELSE 'pending' END, $11) "
      "ON CONFLICT (project_id, connector, dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'retrying') "
      "DO UPDATE SET attempt = c.attempt + 1, error_message = excluded.error_message, "
      " payload_json = excluded.payload_json, updated_at = now(), "
      " next_retry_at = now() + make_interval(secs => least(21600, $9 * power(2, least(10, greatest(0, c.attempt))))), "
      " status = CASE WHEN c.attempt + 1 >= $10 THEN 'dead_letter' WHEN c.attempt + 1 > 1 THEN 'retrying' ELSE 'pending' END "
      "RETURNING id, attempt, status, " + db::iso_utc("next_retry_at"),
      project_id, e.connector, e.mode, cut(e.operation, 200), cut(e.source_ref, 500), e.error_kind,
      cut(e.message, 4000), db::jsonb_text(e.payload.is_object() ? e.payload : nlohmann::json::object()), settings.base_seconds,
      settings.max_retries, key);
  return {r[0].as<long long>(), r[1].as<int>(), r[2].c_str(), r[3].c_str()};
}

void record_refused_row(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector,
                        const std::string& table, const std::string& record, const std::string& sqlstate) {
  const std::string ref = cut(table + ":" + record, 500);
  const std::string key = sha1_hex(connector + ":record_refused:" + ref);
  const std::string message = "PostgreSQL refused " + table + " record " + record + " (SQLSTATE " + sqlstate + ")";
  auto bumped = tx.exec_params("UPDATE connector_errors SET attempt = attempt + 1, error_message = $4, updated_at = now() "
                               "WHERE project_id = $1 AND connector = $2 AND dedupe_key = $3 AND status = 'dead_letter'",
                               project_id, connector, key, cut(message, 4000));
  if (bumped.affected_rows() > 0) return;
  tx.exec_params(
      "INSERT INTO connector_errors (project_id, connector, mode, operation, source_ref, error_kind, error_message, "
      " payload_json, attempt, next_retry_at, status, dedupe_key) "
      "VALUES ($1, $2, 'http', 'sync', $3, 'record_refused', $4, $5::jsonb, 1, now(), 'dead_letter', $6)",
      project_id, connector, ref, cut(message, 4000),
      db::jsonb_text({{"table", table}, {"record", record}, {"sqlstate", sqlstate}}), key);
}

size_t resolve_open(pqxx::transaction_base& tx, const std::string& project_id, const std::string& connector) {
  return tx
      .exec_params("UPDATE connector_errors SET status = 'resolved', resolved_at = now(), updated_at = now() "
                   "WHERE project_id = $1 AND connector = $2 AND status IN ('pending', 'retrying')",
                   project_id, connector)
      .affected_rows();
}

void resolve_by_id(pqxx::transaction_base& tx, const std::string& project_id, long long id) {
  tx.exec_params("UPDATE connector_errors SET status = 'resolved', resolved_at = now(), updated_at = now() "
                 "WHERE project_id = $1 AND id = $2",
                 project_id, id);
}

nlohmann::json list_errors(pqxx::connection& conn, const std::string& project_id,
                           const std::optional<std::string>& status, int limit) {
  pqxx::read_transaction tx(conn);
  auto rows = tx.exec_params("SELECT " + kColumns +
                                 " FROM connector_errors WHERE project_id = $1 AND ($2::text IS NULL OR status = $2) "
                                 "ORDER BY created_at DESC, id DESC LIMIT $3",
                             project_id, status, limit);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) out.push_back(to_json(r));
  return out;
}

std::vector<DueError> due_errors(pqxx::connection& conn, const std::string& project_id, int limit) {
  pqxx::read_transaction tx(conn);
  std::vector<DueError> out;
  for (const auto& r : tx.exec_params("SELECT id, connector FROM connector_errors WHERE project_id = $1 "
                                      "AND status IN ('pending', 'retrying') AND next_retry_at <= now() "
                                      "ORDER BY next_retry_at, id LIMIT $2",
                                      project_id, limit))
    out.push_back({r[0].as<long long>(), r[1].c_str()});
  return out;
}

nlohmann::json retry_dead_letter(pqxx::connection& conn, const std::string& project_id, long long id) {
  pqxx::work tx(conn);
  auto row = tx.exec_params("SELECT connector, dedupe_key FROM connector_errors "
                            "WHERE project_id = $1 AND id = $2 AND status = 'dead_letter' FOR UPDATE",
                            project_id, id);
  if (row.empty()) throw not_found("error_not_found", "no dead-letter error " + std::to_string(id) + " in this project");
  auto open = tx.exec_params("SELECT id FROM connector_errors WHERE project_id = $1 AND connector = $2 "
                             "AND dedupe_key = $3 AND status IN ('pending', 'retrying')",
                             project_id, row[0][0].c_str(), row[0][1].c_str());
  if (!open.empty())
    throw Error(ErrorClass::conflict, "conflict",
                "error " + std::to_string(open[0][0].as<long long>()) + " with the same key is already queued");
  auto updated = tx.exec_params1("UPDATE connector_errors SET status = 'pending', attempt = 0, next_retry_at = now(), "
                                 "updated_at = now() WHERE id = $1 RETURNING " + kColumns,
                                 id);
  tx.commit();
  return to_json(updated);
}

}  // namespace labctl::connectors
