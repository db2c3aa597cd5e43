#include "linear_fake.hpp"

#include <algorithm>
#include <regex>

#include "time_format.hpp"

namespace labctl::sandbox {
namespace {

json ts_or_null(int64_t ms) { return ms ? json(iso_ms(ms)) : json(nullptr); }

json connection(json nodes, bool has_next, json end_cursor) {
  return {{"nodes", std::move(nodes)}, {"pageInfo", {{"hasNextPage", has_next}, {"endCursor", std::move(end_cursor)}}}};
}

// Issues are paged newest-updated first; a cursor names the last issue's sort key, so paging
// stays stable when other issues change meanwhile.
std::string cursor_of(const LinearIssue& is) { return std::to_string(is.updated_ms) + "_" + is.id; }

std::optional<std::pair<int64_t, std::string>> parse_cursor(const std::string& c) {
  auto sep = c.find('_');
  if (sep == std::string::npos) return std::nullopt;
  auto ms = to_int(std::string_view(c).substr(0, sep));
  if (!ms) return std::nullopt;
  return std::pair{*ms, c.substr(sep + 1)};
}

// An integer variable given as a number or a numeric string.
std::optional<int64_t> int_variable(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number()) return static_cast<int64_t>(v.get<double>());
  if (v.is_string()) return to_int(v.get<std::string>());
  return std::nullopt;
}

Reply bad_request(const std::string& message) {
  return Reply::json(400, graphql_errors(message, "INVALID_INPUT"));
}

Reply pull_linear(const LinearData& li, size_t limit) {
  auto team = json{{"id", li.team_id}};
  json projects = json::array(), states = json::array(), cycles = json::array();
  for (size_t i = 0; i < std::min(limit, li.projects.size()); ++i) {
    const auto& p = li.projects[i];
    projects.push_back({{"id", p.id},
                        {"name", p.name},
                        {"state", p.state},
                        {"updatedAt", iso_ms(p.updated_ms)},
                        {"lead", p.lead >= 0 ? json{{"name", agents()[static_cast<size_t>(p.lead)].name}} : json(nullptr)}});
  }
  for (size_t i = 0; i < std::min(limit, li.states.size()); ++i) {
    const auto& s = li.states[i];
    states.push_back({{"id", s.id},
                      {"name", s.name},
                      {"type", s.type},
                      {"position", s.position},
                      {"updatedAt", iso_ms(s.updated_ms)},
                      {"team", team}});
  }
  for (size_t i = 0; i < std::min(limit, li.cycles.size()); ++i) {
    const auto& c = li.cycles[i];
    cycles.push_back({{"id", c.id},
                      {"number", c.number},
                      {"startsAt", iso_ms(c.starts_ms)},
                      {"endsAt", iso_ms(c.ends_ms)},
                      {"completedAt", ts_or_null(c.completed_ms)},
                      {"progress", c.progress},
                      {"updatedAt", iso_ms(c.updated_ms)},
                      {"team", team}});
  }
  auto page = [&](json nodes, size_t total) {
    json end = nodes.empty() ? json(nullptr) : nodes.back()["id"];
    return connection(std::move(nodes), total > limit, std::move(end));
  };
  json data = {{"projects", page(std::move(projects), li.projects.size())},
               {"workflowStates", page(std::move(states), li.states.size())},
               {"cycles", page(std::move(cycles), li.cycles.size())}};
  return Reply::json(200, {{"data", std::move(data)}});
}

}  // namespace

json graphql_errors(const std::string& message, const std::string& code) {
  return {{"errors", json::array({{{"message", message}, {"extensions", {{"code", code}}}}})}, {"data", nullptr}};
}

std::string graphql_operation(const json& body) {
  if (!body.is_object()) return "";
  if (auto op = body.find("operationName"); op != body.end() && op->is_string() && !op->get<std::string>().empty())
    return op->get<std::string>();
  auto q = body.find("query");
  if (q == body.end() || !q->is_string()) return "";
  static const std::regex named(R"((?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*))");
  std::smatch m;
  const std::string& text = q->get_ref<const std::string&>();
  return std::regex_search(text, m, named) ? m[1].str() : "";
}

json linear_issue_json(const LinearData& li, const LinearIssue& is) {
  json labels = json::array(), blockers = json::array();
  for (auto l : is.labels) labels.push_back({{"id", li.label_ids[l]}, {"name", issue_labels()[l]}});
  for (auto b : is.blocked_by) blockers.push_back({{"id", li.issues[b].id}});
  const auto& state = li.states[static_cast<size_t>(is.state)];
  json cycle = nullptr;
  if (is.cycle >= 0) {
    const auto& c = li.cycles[static_cast<size_t>(is.cycle)];
    cycle = {{"id", c.id}, {"number", c.number}};
  }
  return {{"id", is.id},
          {"identifier", is.identifier},
          {"title", is.title},
          {"priority", is.priority},
          {"dueDate", is.due_ms ? json(iso_date(is.due_ms)) : json(nullptr)},
          {"createdAt", iso_ms(is.created_ms)},
          {"updatedAt", iso_ms(is.updated_ms)},
          {"completedAt", ts_or_null(is.completed_ms)},
          {"project", is.project >= 0 ? json{{"id", li.projects[static_cast<size_t>(is.project)].id}} : json(nullptr)},
          {"state", {{"id", state.id}, {"name", state.name}, {"type", state.type}}},
          {"cycle", std::move(cycle)},
          {"labels", {{"nodes", std::move(labels)}}},
          {"blockedByIssues", {{"nodes", std::move(blockers)}}},
          {"assignee", is.assignee >= 0 ? json{{"name", agents()[static_cast<size_t>(is.assignee)].name}} : json(nullptr)}};
}

Reply linear_graphql(Dataset& data, Tenant& t, const std::string& operation, const json& variables,
                     const PageFault& fault) {
  auto& li = t.linear;
  json vars = variables.is_object() ? variables : json::object();
  int64_t limit = 50;
  if (vars.contains("limit") && !vars["limit"].is_null()) {
    auto l = int_variable(vars["limit"]);
    if (!l || *l < 1) return bad_request("Argument Validation Error: limit must be a positive integer");
    limit = std::min<int64_t>(*l, 250);
  }
  if (operation == "PullLinear") return pull_linear(li, static_cast<size_t>(limit));
  if (operation != "PullLinearIssues")
    return bad_request("Unknown operation \"" + operation + "\" (the sandbox serves PullLinear and PullLinearIssues)");

  // Issues with updatedAt > updatedAfter form a prefix of the newest-first order.
  size_t filtered_end = li.by_updated.size();
  if (vars.contains("updatedAfter") && !vars["updatedAfter"].is_null()) {
    auto after = vars["updatedAfter"].is_string() ? parse_time_ms(vars["updatedAfter"].get<std::string>()) : std::nullopt;
    if (!after) return bad_request("Argument Validation Error: updatedAfter must be an ISO-8601 date");
    filtered_end = static_cast<size_t>(
        std::partition_point(li.by_updated.begin(), li.by_updated.end(),
                             [&](size_t i) { return li.issues[i].updated_ms > *after; }) -
        li.by_updated.begin());
  }
  size_t start = 0;
  int duplicate = -1;
  if (vars.contains("after") && !vars["after"].is_null()) {
    auto cursor = vars["after"].is_string() ? parse_cursor(vars["after"].get<std::string>()) : std::nullopt;
    if (!cursor) return bad_request("Argument Validation Error: after is not a valid cursor");
    auto [ms, id] = *cursor;
    start = static_cast<size_t>(
        std::partition_point(li.by_updated.begin(), li.by_updated.end(),
                             [&](size_t i) {
                               const auto& is = li.issues[i];
                               return is.updated_ms > ms || (is.updated_ms == ms && is.id >= id);
                             }) -
        li.by_updated.begin());
    if (fault.duplicate) duplicate = li.issue_index(id);
  }
  start = std::min(start, filtered_end);
  size_t end = std::min(filtered_end, start + static_cast<size_t>(limit));

  json nodes = json::array();
  if (duplicate >= 0) nodes.push_back(linear_issue_json(li, li.issues[static_cast<size_t>(duplicate)]));
  for (size_t k = start; k < end; ++k) nodes.push_back(linear_issue_json(li, li.issues[li.by_updated[k]]));
  json end_cursor = end > start ? json(cursor_of(li.issues[li.by_updated[end - 1]])) : json(nullptr);
  Reply reply = Reply::json(200, {{"data", {{"issues", connection(std::move(nodes), end < filtered_end, std::move(end_cursor))}}}});
  if (fault.mutate_after && end > start) data.touch_issue(t, li.by_updated[start], std::nullopt, std::nullopt);
  return reply;
}

}  // namespace labctl::sandbox
