#pragma once
// The CRM mirror (connectors.md §4): Attio's raw accounts and deals → crm_accounts and
// crm_opportunities, set-based, in the caller's transaction. Unlike the reference, rows are
// only written when something changed, so a repeated sync reports 0 mirrored rows.
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>

namespace labctl::connectors {

// Returns {mirrored_crm_accounts, mirrored_crm_opportunities, coverage{total_attio_accounts,
// mirrored_accounts, total_attio_opportunities, mirrored_opportunities,
// opportunities_without_account_ref, opportunities_unmapped_to_crm_account}}.
nlohmann::json mirror_attio_crm(pqxx::work& tx, const std::string& project_id, const std::string& account_scope_id);

}  // namespace labctl::connectors
