// portfolio overview | messages, control-tower (scheduler-and-intelligence.md §2.4, §5; api.md §3, §4.6).
#include <algorithm>

#include "labctl/domains/auth/account_scope.hpp"
#include "labctl/domains/intelligence/control_tower.hpp"
#include "labctl/domains/intelligence/portfolio_messages.hpp"
#include "labctl/domains/intelligence/portfolio_overview.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

// The projects of the request's account scope the caller reaches, by name.
std::vector<projects::Project> available(Context& ctx) {
  return auth::scope_projects(ctx.conn(), ctx.caller.reach(), *ctx.account_scope_id);
}

std::vector<std::string> strings(const json& list) {
  std::vector<std::string> out;
  for (const auto& item : list) out.push_back(item.get<std::string>());
  return out;
}

}  // namespace

std::vector<Operation> portfolio_operations() {
  return {
      {.name = "portfolio.overview",
       .cli_path = {"portfolio", "overview"},
       .routes = {{.method = "GET", .path = "/portfolio/overview"}},
       .summary = "The account's projects side by side: figures, client value and discount limits, trend and charts, "
                  "messages, agreements, risks, finances, offers",
       .example = "labctl portfolio overview --project-ids 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --output json",
       .params = {{.name = "project_ids", .type = ParamType::list,
                   .help = "projects of one account scope (up to 100); default the active project, else all of them",
                   .max = 100, .items = ParamType::uuid, .lowercased = true, .metavar = "IDS",
                   .invalid_code = "invalid_uuid"},
                  {.name = "message_limit", .type = ParamType::integer, .help = "newest messages, 5..200",
                   .default_value = 40, .min = 5, .max = 200, .out_of_range = OutOfRange::clamp},
                  {.name = "card_limit", .type = ParamType::integer,
                   .help = "agreement, risk, upsell and offer cards, 4..80", .default_value = 16, .min = 4, .max = 80,
                   .out_of_range = OutOfRange::clamp}},
       .scope = Scope::account,
       .rows = "dashboard.by_project",
       .columns = {"project_name", "messages_7d", "linear_open_issues", "expected_revenue", "health_score",
                   "risks_open", "client_value_score", "discount_limit_pct"},
       .handler = [](Context& ctx, const Params& p) -> json {
         auto projects = available(ctx);
         auto selected = auth::select_projects(projects, strings(p.all().value("project_ids", json::array())),
                                               ctx.project_id);
         pqxx::read_transaction tx(ctx.conn());
         return intelligence::portfolio_overview(tx, *ctx.account_scope_id, std::move(projects), std::move(selected),
                                                 {p.integer("message_limit"), p.integer("card_limit")});
       }},
      {.name = "portfolio.messages",
       .cli_path = {"portfolio", "messages"},
       .routes = {{.method = "GET", .path = "/portfolio/messages"}},
       .summary = "One project's contacts and a contact's messages, oldest first, with authors and attachments",
       .example = "labctl portfolio messages --project-id 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --contact cwc:1:42",
       .params = {{.name = "project_id", .type = ParamType::uuid, .help = "a project of the account scope",
                   .required = true, .lowercased = true, .invalid_code = "invalid_uuid",
                   .missing_code = "project_id_required"},
                  {.name = "contact_global_id", .help = "the contact (default: the first listed)", .max = 200,
                   .flag = "contact"},
                  {.name = "limit", .type = ParamType::integer, .help = "newest messages, 20..500", .default_value = 200,
                   .min = 20, .max = 500, .out_of_range = OutOfRange::clamp}},
       .scope = Scope::account,
       .rows = "messages",
       .columns = {"created_at", "author_name", "sender_type", "channel", "content"},
       .handler = [](Context& ctx, const Params& p) -> json {
         auto projects = available(ctx);
         auto project = std::find_if(projects.begin(), projects.end(),
                                     [&](const auto& candidate) { return candidate.id == p.str("project_id"); });
         if (project == projects.end()) throw Error(ErrorClass::not_found, "project_not_found", "Project not found");
         pqxx::read_transaction tx(ctx.conn());
         return intelligence::portfolio_messages(tx, *project, p.opt_str("contact_global_id"), p.integer("limit"));
       }},
      {.name = "control_tower",
       .cli_path = {"control-tower"},
       .routes = {{.method = "GET", .path = "/control-tower"}},
       .summary = "One project at a glance: sync watermarks, Linear, Attio and Chatwoot figures, top next best "
                  "actions, risk and analytics overviews, the newest evidence",
       .example = "labctl control-tower --project 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --output json",
       .scope = Scope::required,
       .handler = [](Context& ctx, const Params&) -> json {
         auto scope = ctx.scope();
         pqxx::read_transaction tx(ctx.conn());
         return intelligence::control_tower(tx, scope.project_id, scope.account_scope_id);
       }},
  };
}

}  // namespace labctl::ops
