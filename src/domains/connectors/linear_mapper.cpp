#include "labctl/domains/connectors/linear_mapper.hpp"

#include <cmath>

#include "labctl/core/error.hpp"
#include "labctl/domains/connectors/source_values.hpp"

namespace labctl::connectors {
namespace {

// Accepts either the GraphQL `data` object or the whole response around it.
const json& data_of(const json& root) {
  const json* d = at_path(root, "data");
  return d && d->is_object() ? *d : root;
}

// `list.nodes` as an array of objects (empty when absent).
std::vector<const json*> nodes_of(const json& data, std::string_view list) {
  std::vector<const json*> out;
  const json* owner = at_path(data, list);
  const json* nodes = owner ? at_path(*owner, "nodes") : nullptr;
  if (!nodes || !nodes->is_array()) return out;
  for (const json& n : *nodes)
    if (n.is_object()) out.push_back(&n);
  return out;
}

std::optional<std::string> updated_at_of(const json& node) { return ts(value_of(node, {"updatedAt", "createdAt"})); }

// JavaScript's Math.round: halves go up.
std::optional<long long> rounded(const json& v) {
  auto d = number(v);
  if (!d) return std::nullopt;
  return static_cast<long long>(std::floor(*d + 0.5));
}

std::optional<LinearProject> map_project(const json& n, const std::string& ws) {
  auto ext = text(value_of(n, {"id"}));
  if (!ext) return std::nullopt;
  LinearProject r;
  r.id = "linproj:" + ws + ":" + *ext;
  r.workspace_id = ws;
  r.external_id = *ext;
  r.name = text(value_of(n, {"name"}), 300).value_or("Project " + *ext);
  r.state = text(value_of(n, {"state"}), 80);
  r.lead_name = text(value_of(n, {"lead.name"}), 200);
  r.data = n;
  r.updated_at = updated_at_of(n);
  return r;
}

std::optional<LinearState> map_state(const json& n, const std::string& ws) {
  auto ext = text(value_of(n, {"id"}));
  if (!ext) return std::nullopt;
  LinearState r;
  r.id = "linstate:" + ws + ":" + *ext;
  r.workspace_id = ws;
  r.external_id = *ext;
  r.team_external_id = text(value_of(n, {"team.id"}));
  r.name = text(value_of(n, {"name"}), 300).value_or("State " + *ext);
  r.type = text(value_of(n, {"type"}), 120);
  r.position = rounded(value_of(n, {"position"}));
  r.data = n;
  r.updated_at = updated_at_of(n);
  return r;
}

std::optional<LinearCycle> map_cycle(const json& n, const std::string& ws) {
  auto ext = text(value_of(n, {"id"}));
  if (!ext) return std::nullopt;
  LinearCycle r;
  r.id = "lincycle:" + ws + ":" + *ext;
  r.workspace_id = ws;
  r.external_id = *ext;
  r.team_external_id = text(value_of(n, {"team.id"}));
  r.number = integer(value_of(n, {"number"}));
  r.starts_at = ts(value_of(n, {"startsAt"}));
  r.ends_at = ts(value_of(n, {"endsAt"}));
  r.completed_at = ts(value_of(n, {"completedAt"}));
  r.progress = number(value_of(n, {"progress"}));
  r.data = n;
  r.updated_at = updated_at_of(n);
  return r;
}

std::optional<LinearIssue> map_issue(const json& n, const std::string& ws) {
  auto ext = text(value_of(n, {"id"}));
  if (!ext) return std::nullopt;
  LinearIssue r;
  r.id = "linissue:" + ws + ":" + *ext;
  r.workspace_id = ws;
  r.external_id = *ext;
  r.linear_project_external_id = text(value_of(n, {"project.id"}));
  r.title = text(value_of(n, {"title"}), 500).value_or("Issue " + *ext);
  r.state = text(value_of(n, {"state.name"}));
  r.state_external_id = text(value_of(n, {"state.id"}));
  r.state_type = text(value_of(n, {"state.type"}));
  r.cycle_external_id = text(value_of(n, {"cycle.id"}));
  r.cycle_name = text(value_of(n, {"cycle.name"}));
  if (!r.cycle_name)
    if (auto num = integer(value_of(n, {"cycle.number"}))) r.cycle_name = "Cycle " + std::to_string(*num);
  for (const json* label : nodes_of(n, "labels"))
    if (auto name = text(value_of(*label, {"name"}))) r.labels.push_back(*name);
  r.blocked_by_count = static_cast<long long>(nodes_of(n, "blockedByIssues").size());
  r.blocked = r.blocked_by_count > 0;
  r.priority = integer(value_of(n, {"priority"}));
  r.assignee_name = text(value_of(n, {"assignee.name"}));
  r.due_date = date_only(value_of(n, {"dueDate"}));
  r.completed_at = ts(value_of(n, {"completedAt"}));
  r.data = n;
  r.updated_at = updated_at_of(n);
  return r;
}

template <class Row, class Map>
std::vector<Row> map_nodes(const json& data, std::string_view list, const std::string& ws, Map map) {
  const std::string nodes = std::string(list) + ".nodes";
  required_array(data, {nodes}, "Linear's GraphQL data");  // an answer without the list is not an empty list
  std::vector<Row> rows;
  for (const json* n : nodes_of(data, list))
    if (auto r = map(*n, ws)) rows.push_back(std::move(*r));
  return dedupe_by_id(std::move(rows));
}

}  // namespace

LinearCatalog map_linear_catalog(const json& data, const std::string& workspace_id) {
  const json& d = data_of(data);
  return {map_nodes<LinearProject>(d, "projects", workspace_id, map_project),
          map_nodes<LinearState>(d, "workflowStates", workspace_id, map_state),
          map_nodes<LinearCycle>(d, "cycles", workspace_id, map_cycle)};
}

LinearIssuesPage map_linear_issues_page(const json& data, const std::string& workspace_id) {
  const json& d = data_of(data);
  LinearIssuesPage page;
  page.issues = map_nodes<LinearIssue>(d, "issues", workspace_id, map_issue);
  if (const json* info = at_path(d, "issues.pageInfo"); !info || !info->is_object())
    throw Error(ErrorClass::upstream_failed, "upstream_invalid_shape",
                "Linear's GraphQL data has no issues.pageInfo object (not the API's answer)");
  const json& more = value_of(d, {"issues.pageInfo.hasNextPage"});
  page.has_next_page = more.is_boolean() && more.get<bool>();
  page.end_cursor = text(value_of(d, {"issues.pageInfo.endCursor"}));
  return page;
}

// --- rows -----------------------------------------------------------------------------------

const db::UpsertSpec& LinearProject::spec() {
  static const db::UpsertSpec s{"linear_projects_raw",
                                {"id", "workspace_id", "external_id", "name", "state", "lead_name", "data",
                                 "updated_at"},
                                {"id"},
                                {}};
  return s;
}
db::Row LinearProject::cells() const {
  return {pg_cell(id),    pg_cell(workspace_id), pg_cell(external_id), pg_cell(name),
          pg_cell(state), pg_cell(lead_name),    pg_cell(data),        pg_cell(updated_at)};
}

const db::UpsertSpec& LinearState::spec() {
  static const db::UpsertSpec s{"linear_states_raw",
                                {"id", "workspace_id", "external_id", "team_external_id", "name", "type",
                                 "position", "data", "updated_at"},
                                {"id"},
                                {}};
  return s;
}
db::Row LinearState::cells() const {
  return {pg_cell(id),   pg_cell(workspace_id), pg_cell(external_id), pg_cell(team_external_id),
          pg_cell(name), pg_cell(type),         pg_cell(position),    pg_cell(data),
          pg_cell(updated_at)};
}

const db::UpsertSpec& LinearCycle::spec() {
  static const db::UpsertSpec s{"linear_cycles_raw",
                                {"id", "workspace_id", "external_id", "team_external_id", "number", "starts_at",
                                 "ends_at", "completed_at", "progress", "data", "updated_at"},
                                {"id"},
                                {}};
  return s;
}
db::Row LinearCycle::cells() const {
  return {pg_cell(id),        pg_cell(workspace_id), pg_cell(external_id),  pg_cell(team_external_id),
          pg_cell(number),    pg_cell(starts_at),    pg_cell(ends_at),      pg_cell(completed_at),
          pg_cell(progress),  pg_cell(data),         pg_cell(updated_at)};
}

const db::UpsertSpec& LinearIssue::spec() {
  static const db::UpsertSpec s{"linear_issues_raw",
                                {"id", "workspace_id", "external_id", "linear_project_external_id", "title",
                                 "state", "state_external_id", "state_type", "cycle_external_id", "cycle_name",
                                 "labels", "blocked", "blocked_by_count", "priority", "assignee_name", "due_date",
                                 "completed_at", "data", "updated_at"},
                                {"id"},
                                {}};
  return s;
}
db::Row LinearIssue::cells() const {
  return {pg_cell(id),
          pg_cell(workspace_id),
          pg_cell(external_id),
          pg_cell(linear_project_external_id),
          pg_cell(title),
          pg_cell(state),
          pg_cell(state_external_id),
          pg_cell(state_type),
          pg_cell(cycle_external_id),
          pg_cell(cycle_name),
          db::pg_text_array(labels),
          pg_cell(blocked),
          pg_cell(blocked_by_count),
          pg_cell(priority),
          pg_cell(assignee_name),
          pg_cell(due_date),
          pg_cell(completed_at),
          pg_cell(data),
          pg_cell(updated_at)};
}

}  // namespace labctl::connectors
