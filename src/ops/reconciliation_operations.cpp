// reconcile (POST /connectors/reconciliation/run); /connectors/reconciliation, /connectors/reconciliation/diff
#include "labctl/core/config.hpp"
#include "labctl/domains/connectors/connector_table.hpp"
#include "labctl/domains/connectors/reconciliation.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

// The exit code of `reconcile` when a checked connector is below the threshold.
constexpr int kBelowThreshold = 9;

// A run (source, captured_at, metrics, summary), with one row per connector checked against the
// threshold (connectors, below_threshold) and the change since the previous run when --diff is given.
json reconcile(Context& ctx, const Params& p) {
  double threshold = p.has("min_completeness")
                         ? static_cast<double>(p.integer("min_completeness"))
                         : static_cast<double>(ctx.config.get_int("connectors.min_completeness_pct"));
  auto connector = p.opt_str("connector");
  auto scope = ctx.scope();
  json result;
  {
    pqxx::work tx(ctx.conn());
    // connectors.md: a scheduled run is the daily job's (connectors_reconciliation_daily).
    result = connectors::run_reconciliation(tx, scope.project_id, scope.account_scope_id,
                                            ctx.scheduled ? "daily_job" : "manual");
    tx.commit();
  }
  json diff = json::array();
  if (p.boolean("diff")) {
    pqxx::read_transaction tx(ctx.conn());
    diff = connectors::reconciliation_diff(tx, scope.project_id)["diff"];
  }
  json rows = json::array();
  size_t below = 0;
  for (const auto& m : result["metrics"]) {
    if (connector ? m["connector"] != *connector : m["connector"] == "portfolio") continue;
    json row = {{"connector", m["connector"]},         {"completeness_pct", m["completeness_pct"]},
                {"total_count", m["total_count"]},     {"missing_count", m["missing_count"]},
                {"duplicate_count", m["duplicate_count"]}};
    for (const auto& d : diff)
      if (d["connector"] == m["connector"])
        for (const char* key : {"previous_pct", "delta_pct", "previous_total", "delta_total"}) row[key] = d[key];
    bool ok = m["completeness_pct"].get<double>() >= threshold;
    row["status"] = ok ? "ok" : "below_threshold";
    below += !ok;
    rows.push_back(std::move(row));
  }
  result["min_completeness_pct"] = threshold;
  result["below_threshold"] = below;
  result["connectors"] = std::move(rows);
  return result;
}

}  // namespace

std::vector<Operation> reconciliation_operations() {
  std::vector<std::string> measured = connectors::connector_names();
  measured.push_back("portfolio");
  return {
      {.name = "reconcile",
       .cli_path = {"reconcile"},
       .routes = {{.method = "POST", .path = "/connectors/reconciliation/run", .wrap = "result"}},
       .summary = "Measure each connector's completeness; exit 9 when one is below the threshold",
       .example = "labctl reconcile --min-completeness 90 --diff --project 0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b",
       .params = {{.name = "connector", .type = ParamType::choice, .help = "check only this connector",
                   .choices = measured},
                  {.name = "diff", .type = ParamType::boolean, .help = "show the change since the previous run",
                   .default_value = false},
                  {.name = "min_completeness", .type = ParamType::integer,
                   .help = "threshold in percent (default: connectors.min_completeness_pct)", .min = 0, .max = 100,
                   .metavar = "PCT"}},
       .scope = Scope::required,
       .mutating = true,
       .audit = {.action = "connectors.reconciliation.run",
                 .entity_type = "sync_reconciliation",
                 .payload = [](const Params&, const json& r) -> json {
                   return {{"completeness_pct", r["summary"]["completeness_pct"]}};
                 }},
       .rows = "connectors",
       .columns = {"connector", "completeness_pct", "previous_pct", "delta_pct", "total_count", "missing_count",
                   "duplicate_count", "status"},
       .exit_code = [](const json& r) { return r.value("below_threshold", 0) > 0 ? kBelowThreshold : 0; },
       .handler = reconcile},
      {.name = "connectors.reconciliation",
       .routes = {{.method = "GET", .path = "/connectors/reconciliation"}},
       .summary = "Reconciliation history: the latest row per connector, a daily trend, daily values per connector",
       .example = "curl -s 'localhost:8080/connectors/reconciliation?days=30'",
       .params = {{.name = "days", .type = ParamType::integer, .help = "days of history", .default_value = 14,
                   .min = 1, .max = 365, .out_of_range = OutOfRange::clamp},
                  {.name = "limit", .type = ParamType::integer, .help = "at most this many daily values",
                   .default_value = 500, .min = 20, .max = 3000, .out_of_range = OutOfRange::clamp}},
       .scope = Scope::required,
       .handler = [](Context& ctx, const Params& p) -> json {
         auto scope = ctx.scope();
         pqxx::read_transaction tx(ctx.conn());
         return connectors::list_reconciliation(tx, scope.project_id, static_cast<int>(p.integer("days")),
                                                static_cast<int>(p.integer("limit")));
       }},
      {.name = "connectors.reconciliation_diff",
       .routes = {{.method = "GET", .path = "/connectors/reconciliation/diff"}},
       .summary = "Per connector: completeness and totals now against the previous run",
       .example = "curl -s localhost:8080/connectors/reconciliation/diff",
       .scope = Scope::required,
       .handler = [](Context& ctx, const Params&) -> json {
         auto scope = ctx.scope();
         pqxx::read_transaction tx(ctx.conn());
         return connectors::reconciliation_diff(tx, scope.project_id);
       }},
  };
}

}  // namespace labctl::ops
