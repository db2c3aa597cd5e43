#include "labctl/ops/registry.hpp"

#include "operation_sets.hpp"

namespace labctl::ops {

const std::vector<Operation>& registry() {
  static const std::vector<Operation> all = [] {
    std::vector<Operation> ops;
    for (auto family : {system_operations, database_operations, project_operations, connector_operations, sync_operations,
                        reconciliation_operations, rag_operations, search_analytics_operations})
      for (auto& op : family()) ops.push_back(std::move(op));
    return ops;
  }();
  return all;
}

const std::vector<CommandGroup>& command_groups() {
  static const std::vector<CommandGroup> groups = {
      {{"db"}, "The database: labctl's private cluster, migrations, status"},
      {{"config"}, "Effective configuration"},
      {{"projects"}, "Projects: the unit of ingestion, scheduling and data"},
      {{"sources"}, "Which external account or workspace feeds which project"},
      {{"connectors"}, "Connector sync state, errors and the retry queue"},
      {{"lightrag"}, "Hybrid retrieval over everything synced: query, status, refresh, feedback"},
      {{"embeddings"}, "The chunk embedding queue"},
      {{"search"}, "Search analytics: the web client's search and click events, and their summary"},
  };
  return groups;
}

const std::vector<Param>& global_cli_options() {
  static const std::vector<Param> options = [] {
    Param output{.name = "output", .type = ParamType::choice,
                 .help = "output format (default: output.format, else table)",
                 .choices = {"table", "json", "ndjson", "csv"}, .short_flag = "o", .metavar = "FORMAT"};
    Param project{.name = "project", .type = ParamType::uuid,
                  .help = "project scope (default: project.default)", .metavar = "ID"};
    Param config{.name = "config", .help = "TOML config file (default: $XDG_CONFIG_HOME/labctl/config.toml)",
                 .metavar = "FILE"};
    Param verbose{.name = "verbose", .type = ParamType::boolean, .help = "more log output (repeatable)",
                  .short_flag = "v"};
    Param quiet{.name = "quiet", .type = ParamType::boolean, .help = "less log output (repeatable)",
                .short_flag = "q"};
    return std::vector<Param>{output, project, config, verbose, quiet};
  }();
  return options;
}

std::vector<Param> cli_params(const Operation& op) {
  std::vector<Param> params = op.params;
  if (op.all_projects)
    params.push_back({.name = "all_projects", .type = ParamType::boolean,
                      .help = "every project this applies to, instead of --project", .default_value = false});
  return params;
}

const Operation* find_operation(const std::string& name) {
  for (const auto& op : registry())
    if (op.name == name) return &op;
  return nullptr;
}

}  // namespace labctl::ops
