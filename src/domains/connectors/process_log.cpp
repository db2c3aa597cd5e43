#include "labctl/domains/connectors/process_log.hpp"

#include "labctl/core/ids.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/db/rows.hpp"

namespace labctl::connectors {
namespace {

std::string now_iso(pqxx::transaction_base& tx) {
  return tx.exec1("SELECT " + db::iso_utc("clock_timestamp()"))[0].c_str();
}

}  // namespace

ProcessRun::ProcessRun(pqxx::connection& conn, std::string project_id, std::string source, std::string process,
                       nlohmann::json payload)
    : conn_(conn),
      project_id_(std::move(project_id)),
      source_(std::move(source)),
      process_(std::move(process)),
      run_id_(random_uuid_v4()),
      started_(std::chrono::steady_clock::now()) {
  payload["phase"] = "started";
  write("process_started", std::move(payload), "", "");
}

void ProcessRun::warn(const std::string& message) {
  write("process_warning", {{"warning_message", message}}, "process:" + process_, message);
}

void ProcessRun::warn(pqxx::transaction_base& tx, const std::string& message) {
  write(tx, "process_warning", {{"warning_message", message}}, "process:" + process_, message);
}

void ProcessRun::finish(const nlohmann::json& counters) {
  write("process_finished", {{"phase", "finished"}, {"counters", counters}}, "", "");
}

void ProcessRun::fail(const std::string& error_message) {
  write("process_failed", {{"phase", "failed"}, {"error_message", error_message.substr(0, 4000)}}, "", "");
}

void ProcessRun::write(const std::string& type, nlohmann::json payload, const std::string& warning_ref,
                       const std::string& warning_message) {
  pqxx::work tx(conn_);
  write(tx, type, std::move(payload), warning_ref, warning_message);
  tx.commit();
}

void ProcessRun::write(pqxx::transaction_base& tx, const std::string& type, nlohmann::json payload,
                       const std::string& warning_ref, const std::string& warning_message) {
  std::string at = now_iso(tx);
  payload["process"] = process_;
  payload["run_id"] = run_id_;
  std::string source_ref = warning_ref.empty() ? "process:" + process_ + ":" + run_id_ : warning_ref;
  std::string key;
  if (type == "process_warning") {
    key = sha1_hex(project_id_ + "|process_warning|" + process_ + "|" + source_ref + "|" + at + "|" + warning_message);
  } else {
    key = sha1_hex(project_id_ + "|" + type + "|" + process_ + "|" + run_id_);
    const char* stamp = type == "process_started" ? "started_at" : type == "process_finished" ? "finished_at" : "failed_at";
    payload[stamp] = at;
    if (type != "process_started")
      payload["duration_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - started_).count();
  }
  tx.exec_params(
      "INSERT INTO connector_events (project_id, event_type, occurred_at, actor, source, source_ref, payload_json, "
      "dedupe_key) VALUES ($1, $2, $3::timestamptz, 'system', $4, $5, $6::jsonb, $7) "
      "ON CONFLICT (project_id, dedupe_key) DO NOTHING",
      project_id_, type, at, source_, source_ref, db::jsonb_text(payload), key);
}

}  // namespace labctl::connectors
