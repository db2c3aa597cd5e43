#include "labctl/ops/registry.hpp"

#include "labctl/core/error.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {

const std::vector<Operation>& registry() {
  static const std::vector<Operation> all = [] {
    std::vector<Operation> ops;
    for (auto family : {system_operations, database_operations, project_operations, connector_operations, sync_operations,
                        reconciliation_operations, rag_operations, search_analytics_operations, auth_operations,
                        api_key_operations, user_operations, event_operations, signal_operations,
                        risk_operations, analytics_operations, digest_operations, portfolio_operations,
                        scheduler_operations, retention_operations})
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
      {{"api-keys"}, "API keys of a project: list, create (shown once), revoke"},
      {{"users"}, "Users of the web UI and their roles"},
      {{"assignments"}, "Which user may reach which project"},
      {{"signals"}, "Signals read from messages, overdue issues and deals: extract, list, set a status"},
      {{"nba"}, "Next best actions derived from the signals: list, set a status"},
      {{"risk"}, "Health score and risk radar: refresh, overview"},
      {{"analytics"}, "Revenue, delivery and communications snapshots: refresh, overview, drilldown"},
      {{"digest"}, "Daily and weekly digests: generate (one project or all), show"},
      {{"events"}, "Live events of the projects: tail"},
      {{"portfolio"}, "Every project of an account scope at a glance: overview, a conversation's messages"},
      {{"scheduler"}, "Scheduled jobs: tick, list, enable, disable, set a cadence, run one now"},
      {{"jobs"}, "What the jobs did: the latest runs, the chunk queue, storage, watermarks"},
      {{"retention"}, "Data lifecycle: delete outbound messages and analytics past their retention"},
  };
  return groups;
}

const std::vector<Param>& global_cli_options() {
  static const std::vector<Param> options = [] {
    Param output{.name = "output", .type = ParamType::choice,
                 .help = "output format (default: output.format, else table); markdown and html where a "
                         "command writes documents (digest show)",
                 .choices = {"table", "json", "ndjson", "csv", "markdown", "html"}, .short_flag = "o",
                 .metavar = "FORMAT"};
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
  std::vector<Param> params;
  for (const auto& p : op.params) {
    if (p.type != ParamType::password) {
      params.push_back(p);
      continue;
    }
    params.push_back({.name = p.name + "_stdin", .type = ParamType::boolean,
                      .help = "read " + p.help + " from standard input (one line); otherwise " +
                              (p.required ? "a terminal prompt asks for it" : "it is left as it is"),
                      .default_value = false});
  }
  if (op.all_projects)
    params.push_back({.name = "all_projects", .type = ParamType::boolean,
                      .help = "every project this applies to, instead of --project", .default_value = false});
  return params;
}

const Operation& unknown_route() {
  static const Operation op{.name = "unknown_route",
                            .summary = "no route matches",
                            .handler = [](Context&, const Params&) -> json {
                              throw not_found("not_found", "Not found");
                            }};
  return op;
}

const Operation* find_operation(const std::string& name) {
  for (const auto& op : registry())
    if (op.name == name) return &op;
  return nullptr;
}

}  // namespace labctl::ops
