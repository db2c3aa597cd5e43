// Linear (connectors.md §3). L1 `PullLinear` (projects, workflow states, cycles) is one
// request and one transaction. L2 `PullLinearIssues` pages by `after`, each page in its own
// transaction. Unlike the reference, issues are incremental: with a watermark, only issues
// updated after it (minus an overlap) are asked for; `--full` takes the whole snapshot. The
// watermark (newest issue seen) commits after the last page, so a killed run starts over
// from the same point.
#include <set>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/domains/connectors/connector_pulls.hpp"
#include "labctl/domains/connectors/linear_mapper.hpp"
#include "labctl/domains/connectors/process_log.hpp"
#include "labctl/domains/connectors/pull_support.hpp"
#include "labctl/domains/connectors/source_http.hpp"

namespace labctl::connectors {
namespace {

using json = nlohmann::json;

constexpr const char* kCatalogQuery = R"(query PullLinear($limit: Int!) {
  projects(first: $limit) { nodes { id name state updatedAt lead { name } } }
  workflowStates(first: $limit) { nodes { id name type position updatedAt team { id } } }
  cycles(first: $limit) { nodes { id number startsAt endsAt completedAt progress updatedAt team { id } } }
})";

// L2, with the updated-at filter when the run is incremental.
std::string issues_query(bool incremental) {
  std::string args = incremental ? "$limit: Int!, $after: String, $updatedAfter: DateTimeOrDuration!"
                                 : "$limit: Int!, $after: String";
  std::string filter = incremental ? ", filter: { updatedAt: { gt: $updatedAfter } }" : "";
  return "query PullLinearIssues(" + args + ") {\n  issues(first: $limit, orderBy: updatedAt, after: $after" + filter +
         ") {\n    nodes { id title priority dueDate createdAt updatedAt completedAt project { id }\n"
         "      state { id name type } cycle { id number name } labels(first: 10) { nodes { id name } }\n"
         "      blockedByIssues(first: 10) { nodes { id } } assignee { name } }\n"
         "    pageInfo { hasNextPage endCursor }\n  }\n}";
}

class LinearPull {
 public:
  explicit LinearPull(SyncContext& ctx)
      : ctx_(ctx),
        base_url_(required_setting(ctx.config, "linear.base_url")),
        token_(required_setting(ctx.config, "linear.api_token", "linear_api_token_missing_or_enable_mock_mode")),
        limit_(ctx.config.get_int("linear.sync_limit")),
        max_pages_(ctx.options.full ? std::numeric_limits<long long>::max() : ctx.config.get_int("linear.max_pages")) {}

  LinearPullResult run() {
    workspace_ = workspace_binding(ctx_.conn, ctx_.project_id, "linear", ctx_.config.get("linear.workspace_id"));
    source_ = "linear:" + workspace_;
    Watermark before = read_watermark(ctx_.conn, ctx_.project_id, source_);
    since_ = incremental_since(ctx_.conn, before, ctx_.options.full);
    newest_.mark = before;
    sync_catalog();
    bool complete = sync_issues();
    if (complete) write_watermark(ctx_.conn, ctx_.project_id, source_, newest_.mark, result());
    else
      ctx_.process.warn("Linear issues stopped at linear.max_pages (" + std::to_string(max_pages_) +
                        ") with more pages left; the cursor was kept, run with --full to take everything");
    return result();
  }

 private:
  json graphql(const std::string& query, const json& variables) {
    ++requests_;
    json body = fetch_json(ctx_.http, {"Linear", "POST", base_url_, "",
                                       {{"authorization", token_},
                                        {"content-type", "application/json"},
                                        {"x-linear-workspace", workspace_}},
                                       json{{"query", query}, {"variables", variables}}.dump(),
                                       "Linear GraphQL"});
    if (body.contains("errors") && body["errors"].is_array() && !body["errors"].empty()) {
      const json& first = body["errors"][0];
      std::string message = first.is_object() && first.value("message", json()).is_string()
                                ? first["message"].get<std::string>()
                                : first.dump();
      throw Error(ErrorClass::upstream_failed, "upstream_failed", "Linear GraphQL errors: " + message);
    }
    return body;
  }

  void sync_catalog() {
    auto catalog = map_linear_catalog(graphql(kCatalogQuery, {{"limit", limit_}}), workspace_);
    pqxx::work tx(ctx_.conn);
    touched_projects_ = write_records(tx, catalog.projects, ctx_).touched();
    touched_states_ = write_records(tx, catalog.states, ctx_).touched();
    touched_cycles_ = write_records(tx, catalog.cycles, ctx_).touched();
    tx.commit();
  }

  // Pages until the last one; false when max_pages stopped it early.
  bool sync_issues() {
    std::set<std::string> seen_ids, seen_cursors;
    std::optional<std::string> after;
    for (long long page = 1;; ++page) {
      if (page > max_pages_) return false;
      json variables = {{"limit", limit_}, {"after", after ? json(*after) : json()}};
      if (since_) variables["updatedAfter"] = *since_;
      auto mapped = map_linear_issues_page(graphql(issues_query(since_.has_value()), variables), workspace_);
      std::vector<LinearIssue> fresh;
      for (auto& issue : mapped.issues)
        if (seen_ids.insert(issue.id).second) {
          newest_.offer(issue.updated_at, issue.id);
          fresh.push_back(std::move(issue));
        }
      pqxx::work tx(ctx_.conn);
      touched_issues_ += write_records(tx, fresh, ctx_).touched();
      tx.commit();
      issues_ += static_cast<long long>(fresh.size());
      ++pages_;
      if (ctx_.options.progress)
        ctx_.options.progress("linear: page " + std::to_string(page) + ", " + std::to_string(issues_) + " issues");
      if (!mapped.has_next_page || !mapped.end_cursor || mapped.end_cursor->empty() ||
          !seen_cursors.insert(*mapped.end_cursor).second)
        return true;
      after = mapped.end_cursor;
    }
  }

  LinearPullResult result() const {
    LinearPullResult r{pull_summary(ctx_, source_, since_, pages_, requests_, newest_.mark)};
    r.workspace_id = workspace_;
    r.processed_issues = issues_;
    r.touched_projects = touched_projects_;
    r.touched_states = touched_states_;
    r.touched_cycles = touched_cycles_;
    r.touched_issues = touched_issues_;
    return r;
  }

  SyncContext& ctx_;
  std::string base_url_, token_;
  long long limit_, max_pages_;
  std::string workspace_, source_;
  std::optional<std::string> since_;
  NewestSeen newest_;
  long long pages_ = 0, requests_ = 0, issues_ = 0;
  long long touched_projects_ = 0, touched_states_ = 0, touched_cycles_ = 0, touched_issues_ = 0;
};

}  // namespace

PullResult pull_linear(SyncContext& ctx) { return LinearPull(ctx).run(); }

}  // namespace labctl::connectors
