#pragma once
// The one place where commands and routes are declared.
#include <string>
#include <vector>

#include "labctl/ops/operation.hpp"

namespace labctl::ops {

const std::vector<Operation>& registry();
const std::vector<CommandGroup>& command_groups();
// Options every CLI command accepts (--output, --project, --config, -v, -q).
const std::vector<Param>& global_cli_options();
const Operation* find_operation(const std::string& name);
// What answers a request no route matches: protected like any route (so a stranger gets 401
// first, api.md §1.1), then 404 not_found.
const Operation& unknown_route();
// The command's options: its parameters (a password as --NAME-stdin), and --all-projects when it
// declares all_projects.
std::vector<Param> cli_params(const Operation& op);

}  // namespace labctl::ops
