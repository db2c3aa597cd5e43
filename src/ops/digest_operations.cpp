// digest daily | weekly | show (scheduler-and-intelligence.md §2.5–2.6; api.md §4.6). Cron runs
// `labctl digest daily --all-projects`: quiet when every project succeeded (a line per project
// with -v), a line per failed project, and the exit code of the first failure.
#include <spdlog/spdlog.h>

#include "labctl/core/iso_time.hpp"
#include "labctl/domains/intelligence/digest_document.hpp"
#include "labctl/domains/intelligence/digests.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "labctl/domains/auth/project_access.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

namespace intel = intelligence;

// The UTC day a date parameter (validated as a date or timestamp already) names.
std::string utc_day(const std::string& date) { return iso_ms(*parse_iso_ms(date)).substr(0, 10); }

// A date parameter's day; today without one; never a day in the future.
std::string day_of(const Params& p, const std::string& name) {
  const std::string today = iso_now().substr(0, 10);
  auto given = p.opt_str(name);
  if (!given) return today;
  std::string day = utc_day(*given);
  if (day > today)
    throw Error(ErrorClass::invalid_params, "invalid_date", "--" + name + " " + day + " is in the future",
                json::array({validation_issue(name, name + " must not be in the future", "too_big")}));
  return day;
}

// --all-projects: every project the caller reaches (the CLI's operator: all of them).
std::vector<ProjectRef> every_project(Context& ctx, const Params&) {
  std::vector<ProjectRef> out;
  for (const auto& p : auth::reachable_projects(ctx.conn(), ctx.caller.reach())) out.push_back({p.id, p.name});
  if (out.empty()) throw not_found("no_projects", "there are no projects (see 'labctl projects create')");
  return out;
}

int first_failure(const json& result) {
  for (const auto& row : result.value("digests", json::array()))
    if (row.value("status", "") == "failed")
      return exit_code(class_from_name(row.value("error_class", "")).value_or(ErrorClass::internal));
  return 0;
}

// Quiet for cron: on a terminal a line per project; elsewhere only the failures.
void print_runs(const json& result, std::ostream& out, bool tty) {
  for (const auto& row : result.value("digests", json::array())) {
    bool failed = row.value("status", "") == "failed";
    if (!failed && !tty) continue;
    out << row.value("project_name", row.value("project_id", "")) << "  "
        << (failed ? "failed: " + row.value("error", "") : row.value("digest_date", row.value("week_start", "")) + " ok")
        << "\n";
  }
}

json generated(const intel::Digest& d) {
  spdlog::info("{} digest {} of project {} generated", d.kind == intel::DigestKind::daily ? "daily" : "weekly",
               d.period, d.project_id);
  return {{"digests", json::array({d})}};
}

Operation generate(intel::DigestKind kind) {
  const bool daily = kind == intel::DigestKind::daily;
  const std::string name = daily ? "daily" : "weekly", param = daily ? "date" : "week",
                    period = daily ? "digest_date" : "week_start";
  return {
      .name = "digest." + name,
      .cli_path = {"digest", name},
      .routes = {{.method = "POST", .path = "/digests/" + name + "/generate", .pick = "/digests/0"}},
      .summary = daily ? "Generate the day's digest: highlights, the top next best actions, their evidence"
                       : "Generate the week's digest (named by its Monday): pipeline, analytics, risk, top actions",
      .example = daily ? "labctl digest daily --all-projects" : "labctl digest weekly --week 2026-02-11 --project 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c",
      .params = {{.name = param, .type = ParamType::date,
                  .help = daily ? "the day the digest names (default today, UTC; not in the future)"
                                : "any day of the week the digest names (default this week; not in the future)"}},
      .scope = Scope::required,
      .mutating = true,
      .audit = {.action = "digest." + name + ".generate", .entity_type = "digest", .entity = "/digests/0/id",
                .payload = [period](const Params&, const json& r) -> json {
                  const json& d = r["digests"][0];
                  return {{period, d[period]}, {"is_empty", d["summary"]["is_empty"]}};
                }},
      .all_projects = every_project,
      .rows = "digests",
      .columns = {"project_name", period, "status", "error"},
      .exit_code = first_failure,
      .human = print_runs,
      .handler = [kind, param](Context& ctx, const Params& p) -> json {
        auto scope = ctx.scope();
        const std::string day = day_of(p, param);
        pqxx::work tx(ctx.conn());
        auto d = kind == intel::DigestKind::daily
                     ? intel::generate_daily_digest(tx, scope.project_id, scope.account_scope_id, day)
                     : intel::generate_weekly_digest(tx, scope.project_id, scope.account_scope_id, day);
        tx.commit();
        return generated(d);
      },
  };
}

}  // namespace

std::vector<Operation> digest_operations() {
  return {
      generate(intel::DigestKind::daily),
      generate(intel::DigestKind::weekly),
      {.name = "digest.show",
       .cli_path = {"digest", "show"},
       .routes = {{.method = "GET", .path = "/digests/daily", .fixed = {{"kind", "daily"}}},
                  {.method = "GET", .path = "/digests/weekly", .fixed = {{"kind", "weekly"}}}},
       .summary = "Stored digests, newest first (20 daily or 12 weekly by default); one day's or week's with --date",
       .example = "labctl digest show daily --all-projects --date 2026-02-11 --output markdown",
       .params = {{.name = "kind", .type = ParamType::choice, .help = "daily or weekly", .choices = {"daily", "weekly"},
                   .required = true, .positional = true, .metavar = "KIND"},
                  {.name = "date", .type = ParamType::date,
                   .help = "only the digest of this day (daily) or of this day's week (weekly)"},
                  {.name = "limit", .type = ParamType::integer,
                   .help = "digests, 1..100 daily (default 20) or 1..52 weekly (default 12)", .min = 1, .max = 100,
                   .out_of_range = OutOfRange::clamp}},
       .scope = Scope::required,
       .all_projects = every_project,
       .rows = "digests",
       .columns = {"project_name", "digest_date", "week_start", "created_at", "id"},
       .documents = {{"markdown", [](const json& r) { return intel::digest_markdown(r.value("digests", json::array())); }},
                     {"html", [](const json& r) { return intel::digest_html(r.value("digests", json::array())); }}},
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         const bool daily = p.str("kind") == "daily";
         long long limit = p.has("limit") ? std::min(p.integer("limit"), daily ? 100LL : 52LL) : (daily ? 20 : 12);
         std::optional<std::string> date;
         if (p.has("date")) date = utc_day(p.str("date"));
         const std::string name = projects::get(ctx.conn(), scope.project_id).name;
         pqxx::read_transaction tx(ctx.conn());
         json digests = intel::list_digests(tx, daily ? intel::DigestKind::daily : intel::DigestKind::weekly,
                                            scope.project_id, scope.account_scope_id, date, limit);
         for (auto& d : digests) d["project_name"] = name;  // the documents' headings
         return {{"digests", digests}};
       }},
  };
}

}  // namespace labctl::ops
