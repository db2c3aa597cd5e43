#pragma once
// Linear GraphQL responses → raw rows (connectors.md §3 "Mapping"). Pure: no I/O.
// Global ids: `<prefix>:{workspace_id}:{external_id}` (data-model §5.4).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "labctl/db/rows.hpp"

namespace labctl::connectors {

// linear_projects_raw
struct LinearProject {
  std::string id;  // linproj:…
  std::string workspace_id;
  std::string external_id;
  std::string name;  // default `Project <id>`
  std::optional<std::string> state;
  std::optional<std::string> lead_name;
  nlohmann::json data;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// linear_states_raw
struct LinearState {
  std::string id;  // linstate:…
  std::string workspace_id;
  std::string external_id;
  std::optional<std::string> team_external_id;
  std::string name;  // default `State <id>`
  std::optional<std::string> type;
  std::optional<long long> position;  // D3: a float position is rounded
  nlohmann::json data;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// linear_cycles_raw
struct LinearCycle {
  std::string id;  // lincycle:…
  std::string workspace_id;
  std::string external_id;
  std::optional<std::string> team_external_id;
  std::optional<long long> number;
  std::optional<std::string> starts_at;
  std::optional<std::string> ends_at;
  std::optional<std::string> completed_at;
  std::optional<double> progress;
  nlohmann::json data;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// linear_issues_raw
struct LinearIssue {
  std::string id;  // linissue:…
  std::string workspace_id;
  std::string external_id;
  std::optional<std::string> linear_project_external_id;
  std::string title;  // default `Issue <id>`
  std::optional<std::string> state;
  std::optional<std::string> state_external_id;
  std::optional<std::string> state_type;
  std::optional<std::string> cycle_external_id;
  std::optional<std::string> cycle_name;  // name ‖ `Cycle <number>`
  std::vector<std::string> labels;
  bool blocked = false;
  long long blocked_by_count = 0;
  std::optional<long long> priority;
  std::optional<std::string> assignee_name;
  std::optional<std::string> due_date;  // YYYY-MM-DD
  std::optional<std::string> completed_at;
  nlohmann::json data;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

struct LinearCatalog {
  std::vector<LinearProject> projects;
  std::vector<LinearState> states;
  std::vector<LinearCycle> cycles;
};
// L1 `PullLinear`: `data` (or the whole response holding it) with projects,
// workflowStates and cycles, each `{nodes:[…]}`. Rows without an id are dropped; each list
// is de-duplicated by id, first wins.
LinearCatalog map_linear_catalog(const nlohmann::json& data, const std::string& workspace_id);

struct LinearIssuesPage {
  std::vector<LinearIssue> issues;
  bool has_next_page = false;
  std::optional<std::string> end_cursor;
};
// L2 `PullLinearIssues`: one page of `issues{nodes, pageInfo}`.
LinearIssuesPage map_linear_issues_page(const nlohmann::json& data, const std::string& workspace_id);

}  // namespace labctl::connectors
