#include "labctl/domains/events/live_events.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "labctl/core/iso_time.hpp"
#include "labctl/core/json_input.hpp"
#include "labctl/db/notifications.hpp"

namespace labctl::events {
namespace {

using json = nlohmann::json;

bool send(pqxx::connection& conn, const char* channel, const json& payload) {
  try {
    db::notify(conn, channel, payload.dump(-1, ' ', false, json::error_handler_t::replace));
    return true;
  } catch (const std::exception& e) {
    spdlog::warn("event {} for project {} not published: {}", channel, payload.value("project_id", ""),
                 dynamic_cast<const pqxx::sql_error*>(&e) ? "database error " + dynamic_cast<const pqxx::sql_error&>(e).sqlstate()
                                                          : std::string("connection lost"));
    return false;
  }
}

}  // namespace

const std::vector<std::string>& channels() {
  static const std::vector<std::string> all = {kJobStarted, kJobCompleted, kSyncProgress};
  return all;
}

bool publish(pqxx::connection& conn, const JobStarted& e) {
  return send(conn, kJobStarted,
              {{"project_id", e.project_id}, {"account_scope_id", e.account_scope_id}, {"job_type", e.job_type},
               {"status", "running"}, {"at", iso_now()}});
}

bool publish(pqxx::connection& conn, const JobCompleted& e) {
  return send(conn, kJobCompleted,
              {{"project_id", e.project_id}, {"account_scope_id", e.account_scope_id}, {"job_type", e.job_type},
               {"status", e.ok ? "ok" : "failed"}, {"at", iso_now()}});
}

bool publish(pqxx::connection& conn, const SyncProgress& e) {
  json payload = {{"project_id", e.project_id}, {"account_scope_id", e.account_scope_id}, {"phase", e.phase}};
  if (!e.connectors.empty()) payload["connectors"] = e.connectors;
  if (e.ok) payload["ok"] = *e.ok;
  if (e.failed) payload["failed"] = *e.failed;
  if (e.total) payload["total"] = *e.total;
  payload["at"] = iso_now();
  return send(conn, kSyncProgress, payload);
}

std::optional<Delivery> delivery(const std::string& channel, const std::string& payload) {
  std::string why;
  auto parsed = parse_json_input(payload, why);
  if (!parsed || !parsed->is_object() || !(*parsed)["project_id"].is_string()) return std::nullopt;
  std::string project = (*parsed)["project_id"].get<std::string>();
  parsed->erase("project_id");
  parsed->erase("account_scope_id");
  return Delivery{std::move(project), channel, parsed->dump(-1, ' ', false, json::error_handler_t::replace)};
}

}  // namespace labctl::events
