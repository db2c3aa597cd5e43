#include "labctl/domains/audit/audit_log.hpp"
#include "labctl/db/rows.hpp"

namespace labctl::audit {

void write(pqxx::transaction_base& tx, const AuditEvent& e) {
  // account_scope_id is filled by the scope-guard trigger from the project.
  tx.exec_params(
      "INSERT INTO audit_events (project_id, actor_username, action, entity_type, entity_id, status, "
      "request_id, payload, actor_user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::uuid)",
      e.project_id, e.actor_username, e.action.substr(0, 200), e.entity_type, e.entity_id, e.status,
      e.request_id, db::jsonb_text(e.payload), e.actor_user_id);
}

}  // namespace labctl::audit
