#pragma once
// Linear GraphQL (spec §3 L1/L2): one POST route that dispatches on the operation name.
#include <string>

#include "dataset.hpp"
#include "reply.hpp"

namespace labctl::sandbox {

// The operation name: body.operationName, else the name after `query`/`mutation` in the text.
std::string graphql_operation(const json& body);

// Serves PullLinear (projects, workflowStates, cycles; variable `limit`) and PullLinearIssues
// (variables `limit`, `after`, and `updatedAfter`: only issues with updatedAt > it).
Reply linear_graphql(Dataset& data, Tenant& t, const std::string& operation, const json& variables,
                     const PageFault& fault);

json linear_issue_json(const LinearData& li, const LinearIssue& is);
json graphql_errors(const std::string& message, const std::string& code);

}  // namespace labctl::sandbox
