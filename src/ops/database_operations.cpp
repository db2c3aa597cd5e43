// db up | down | status | migrate | reset | shell
#include "labctl/core/error.hpp"
#include "labctl/core/process.hpp"
#include "labctl/db/database.hpp"
#include "labctl/db/migrator.hpp"
#include "labctl/ops/context.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

json summary_of(const std::vector<std::string>& applied, size_t total, bool dry_run) {
  std::string summary =
      applied.empty() ? "nothing to apply: all " + std::to_string(total) + " migrations are applied"
                      : (dry_run ? "would apply " : "applied ") + std::to_string(applied.size()) + " of " +
                            std::to_string(total) + " migrations";
  return {{"applied", applied}, {"dry_run", dry_run}, {"summary", summary}};
}

}  // namespace

std::vector<Operation> database_operations() {
  return {
      {.name = "db.up",
       .cli_path = {"db", "up"},
       .summary = "Start labctl's private PostgreSQL cluster (creating it if needed) and apply migrations",
       .example = "labctl db up",
       .handler = [](Context& ctx, const Params&) -> json {
         bool started = ctx.database.cluster().ensure_running();
         auto applied = ctx.database.migrate(ctx.raw_conn(), false);
         json out = summary_of(applied, ctx.database.migrations().size(), false);
         out["database_url"] = ctx.database.display_url();
         out["started"] = started;
         return out;
       }},
      {.name = "db.down",
       .cli_path = {"db", "down"},
       .summary = "Stop labctl's private PostgreSQL cluster (the data stays)",
       .example = "labctl db down",
       .handler = [](Context& ctx, const Params&) -> json {
         return {{"stopped", ctx.database.cluster().stop()}};
       }},
      {.name = "db.status",
       .cli_path = {"db", "status"},
       .summary = "Which database is in use and whether its migrations are current",
       .example = "labctl db status --output json",
       .handler = [](Context& ctx, const Params&) -> json {
         json out = {{"database_url", ctx.database.display_url()}, {"embedded", ctx.database.embedded()}};
         bool running = !ctx.database.embedded() || ctx.database.cluster().running();
         out["running"] = running;
         const auto& migrations = ctx.database.migrations();
         json pending = json::array(), unknown = json::array();
         if (running) {
           auto& conn = ctx.raw_conn();
           out["server_version"] = pqxx::nontransaction(conn).exec1("SHOW server_version")[0].c_str();
           for (const auto& m : db::migration_status(conn, migrations))
             if (m.missing_file) unknown.push_back(m.filename);
             else if (!m.applied) pending.push_back(m.filename);
           // Applied migrations this labctl has no file for: the schema is not the one it knows.
           out["migrations_current"] = pending.empty() && unknown.empty();
         } else {
           out["migrations_current"] = nullptr;
         }
         out["migrations_total"] = migrations.size();
         out["pending"] = pending;
         out["applied_without_file"] = unknown;
         return out;
       }},
      {.name = "db.migrate",
       .cli_path = {"db", "migrate"},
       .summary = "Apply pending migrations in order; an edited, already-applied migration is refused",
       .example = "labctl db migrate --dry-run",
       .params = {{.name = "dry_run", .type = ParamType::boolean, .help = "list what would be applied",
                   .default_value = false}},
       .mutating = true,
       .handler = [](Context& ctx, const Params& p) -> json {
         bool dry = p.boolean("dry_run");
         auto applied = ctx.database.migrate(ctx.raw_conn(), dry);
         return summary_of(applied, ctx.database.migrations().size(), dry);
       }},
      {.name = "db.reset",
       .cli_path = {"db", "reset"},
       .summary = "Drop every table and apply all migrations again (destroys all data)",
       .example = "labctl db reset --yes",
       .params = {{.name = "yes", .type = ParamType::boolean, .help = "confirm that all data is to be dropped",
                   .default_value = false}},
       .mutating = true,
       .handler = [](Context& ctx, const Params& p) -> json {
         if (!p.boolean("yes"))
           throw validation_error("yes", "db reset drops all data; pass --yes to confirm", "custom");
         auto& conn = ctx.raw_conn();
         {
           pqxx::work tx(conn);
           tx.exec("DROP SCHEMA public CASCADE");
           tx.exec("CREATE SCHEMA public");
           tx.commit();
         }
         auto applied = ctx.database.migrate(conn, false);
         return summary_of(applied, ctx.database.migrations().size(), false);
       }},
      {.name = "db.shell",
       .cli_path = {"db", "shell"},
       .summary = "Open psql on the database in use",
       .example = "labctl db shell",
       .handler = [](Context& ctx, const Params&) -> json {
         ctx.raw_conn();  // starts the private cluster when needed
         exec_process({"psql", ctx.database.connection_url()});
       }},
  };
}

}  // namespace labctl::ops
