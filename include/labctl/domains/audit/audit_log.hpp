#pragma once
// audit_events rows (data-model §3.5), written inside the caller's transaction.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace labctl::audit {

struct AuditEvent {
  std::string project_id;
  std::optional<std::string> actor_username;
  std::optional<std::string> actor_user_id;
  std::string action;  // e.g. project.create
  std::string entity_type;
  std::string entity_id;
  std::string status = "ok";
  std::string request_id;
  nlohmann::json payload = nlohmann::json::object();
};

void write(pqxx::transaction_base& tx, const AuditEvent& event);

}  // namespace labctl::audit
