#pragma once
// The CRM mirror (connectors.md §4): Attio's raw accounts and deals → crm_accounts and
// crm_opportunities, set-based, in the caller's transaction. Unlike the reference, rows are
// only written when something changed, so a repeated sync reports 0 mirrored rows.
#include <pqxx/pqxx>
#include <string>

#include "labctl/domains/connectors/sync_results.hpp"

namespace labctl::connectors {

struct CrmMirror {
  long long accounts = 0, opportunities = 0;  // CRM rows written or changed
  CrmCoverage coverage;
};

CrmMirror mirror_attio_crm(pqxx::work& tx, const std::string& project_id, const std::string& account_scope_id);

}  // namespace labctl::connectors
