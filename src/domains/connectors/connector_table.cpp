#include "labctl/domains/connectors/connector_table.hpp"

#include "labctl/core/error.hpp"
#include "labctl/domains/connectors/connector_pulls.hpp"

namespace labctl::connectors {

const std::vector<Connector>& connector_table() {
  static const std::vector<Connector> table = {
      {.name = "chatwoot",
       .source_kind = "chatwoot_account",
       .binding_label = "chatwoot",
       .token_setting = "chatwoot.api_token",
       .pull = pull_chatwoot,
       .tables = {"cw_inboxes_raw", "cw_conversations", "cw_messages", "cw_contacts", "cw_attachments_raw",
                  "rag_chunks"},
       .measure = measure_chatwoot,
       .derive_events = derive_chatwoot_events},
      {.name = "linear",
       .source_kind = "linear_workspace",
       .binding_label = "linear_workspace",
       .token_setting = "linear.api_token",
       .pull = pull_linear,
       .tables = {"linear_projects_raw", "linear_states_raw", "linear_cycles_raw", "linear_issues_raw"},
       .measure = measure_linear,
       .derive_events = derive_linear_events},
      {.name = "attio",
       .source_kind = "attio_workspace",
       .binding_label = "attio_workspace",
       .token_setting = "attio.api_token",
       .pull = pull_attio,
       .tables = {"attio_accounts_raw", "attio_opportunities_raw", "attio_people_raw", "attio_activities_raw",
                  "crm_accounts", "crm_opportunities"},
       .measure = measure_attio,
       .derive_events = derive_attio_events},
  };
  return table;
}

const Connector& connector_named(const std::string& name) {
  for (const auto& c : connector_table())
    if (c.name == name) return c;
  std::string known;
  for (const auto& c : connector_table()) known += (known.empty() ? "" : ", ") + c.name;
  throw Error(ErrorClass::invalid_params, "unsupported_connector", "unknown connector '" + name + "' (" + known + ")");
}

std::vector<std::string> connector_names() {
  std::vector<std::string> names;
  for (const auto& c : connector_table()) names.push_back(c.name);
  return names;
}

}  // namespace labctl::connectors
