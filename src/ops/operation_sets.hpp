#pragma once
// Each file under src/ops/ declares one family of operations.
#include <vector>

#include "labctl/ops/operation.hpp"

namespace labctl::ops {

std::vector<Operation> system_operations();
std::vector<Operation> database_operations();
std::vector<Operation> project_operations();
std::vector<Operation> connector_operations();
std::vector<Operation> sync_operations();
std::vector<Operation> reconciliation_operations();
std::vector<Operation> rag_operations();
std::vector<Operation> search_analytics_operations();
std::vector<Operation> auth_operations();
std::vector<Operation> api_key_operations();
std::vector<Operation> user_operations();
std::vector<Operation> event_operations();
std::vector<Operation> signal_operations();
std::vector<Operation> risk_operations();
std::vector<Operation> analytics_operations();
std::vector<Operation> digest_operations();
std::vector<Operation> portfolio_operations();
std::vector<Operation> scheduler_operations();
std::vector<Operation> retention_operations();

}  // namespace labctl::ops
