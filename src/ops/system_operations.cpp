// version, health, metrics, config show, completion, man, serve
#include <filesystem>
#include <fstream>
#include <pqxx/version.hxx>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/metrics.hpp"
#include "labctl/db/database.hpp"
#include "labctl/db/migrator.hpp"
#include "labctl/ops/context.hpp"
#include "labctl/ops/docs.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

json database_health(Context& ctx) {
  json db = {{"embedded", ctx.database.embedded()}};
  // /health is public: where the database is stays with the operator's CLI.
  if (ctx.frontend == Frontend::cli) db["database_url"] = ctx.database.display_url();
  try {
    auto& conn = ctx.raw_conn();
    size_t pending = 0;
    for (const auto& m : db::migration_status(conn, ctx.database.migrations())) pending += m.applied ? 0 : 1;
    db["ok"] = true;
    db["pending_migrations"] = pending;
  } catch (const std::exception& e) {
    db["ok"] = false;
    db["error"] = e.what();
  }
  return db;
}

}  // namespace

std::vector<Operation> system_operations() {
  return {
      {.name = "version",
       .cli_path = {"version"},
       .summary = "Print labctl's version and the versions of its libraries",
       .example = "labctl version --output json",
       .handler = [](Context& ctx, const Params&) -> json {
         json out = {{"version", LABCTL_VERSION}, {"libpqxx", PQXX_VERSION}, {"compiler", __VERSION__}};
         if (ctx.services)
           for (const auto& [library, version] : ctx.services->library_versions) out[library] = version;
         return out;
       }},
      {.name = "health",
       .cli_path = {"health"},
       .routes = {{.method = "GET", .path = "/health"}},
       .summary = "Liveness; with --deep also checks the database and its migrations",
       .example = "labctl health --deep",
       .params = {{.name = "deep", .type = ParamType::boolean,
                   .help = "also connect to the database (the web UI's poll never does)",
                   .default_value = false}},
       .is_public = true,
       .handler = [](Context& ctx, const Params& p) -> json {
         json out = {{"service", "server"}, {"version", LABCTL_VERSION}};
         if (p.boolean("deep")) {
           out["database"] = database_health(ctx);
           if (!out["database"]["ok"].get<bool>())
             throw Error(ErrorClass::unavailable, "db_unavailable",
                         "database unavailable: " + out["database"]["error"].get<std::string>(), out["database"]);
         }
         return out;
       }},
      {.name = "metrics",
       .routes = {{.method = "GET", .path = "/metrics"}},
       .summary = "Prometheus metrics of the serving process",
       .example = "curl -s localhost:8080/metrics",
       .is_public = true,
       .text = "metrics",
       .handler = [](Context& ctx, const Params&) -> json { return {{"metrics", ctx.metrics.render()}}; }},
      {.name = "config.show",
       .cli_path = {"config", "show"},
       .summary = "Show the effective configuration and where each value comes from (secrets redacted)",
       .example = "labctl config show --output json",
       .rows = "config",
       .columns = {"key", "value", "source"},
       .handler = [](Context& ctx, const Params&) -> json {
         json rows = json::array();
         for (const auto& k : config_keys())
           rows.push_back({{"key", k.name}, {"value", ctx.config.display(k.name)},
                           {"source", ctx.config.entry(k.name).source}});
         return {{"config", rows}, {"file", ctx.config.file() ? json(*ctx.config.file()) : json()}};
       }},
      {.name = "completion",
       .cli_path = {"completion"},
       .summary = "Print a shell completion script",
       .example = "labctl completion bash > /etc/bash_completion.d/labctl",
       .params = {{.name = "shell", .type = ParamType::choice, .help = "bash, zsh or fish",
                   .choices = {"bash", "zsh", "fish"}, .required = true, .positional = true,
                   .metavar = "SHELL"}},
       .text = "script",
       .handler = [](Context&, const Params& p) -> json {
         return {{"script", completion_script(p.str("shell"))}};
       }},
      {.name = "man",
       .cli_path = {"man"},
       .summary = "Write the man pages (labctl.1 and one page per command) into a directory",
       .example = "labctl man --dir man",
       .params = {{.name = "dir", .help = "target directory", .default_value = "man", .metavar = "DIR"}},
       .rows = "files",
       .columns = {"file"},
       .handler = [](Context&, const Params& p) -> json {
         std::filesystem::path dir = p.str("dir");
         std::error_code ec;
         if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
           throw validation_error("dir", "--dir " + dir.string() + " is not a directory", "custom");
         std::filesystem::create_directories(dir, ec);
         if (ec) throw validation_error("dir", "cannot create --dir " + dir.string() + ": " + ec.message(), "custom");
         json files = json::array();
         for (const auto& [name, text] : man_pages()) {
           std::ofstream out(dir / name);
           out << text;
           if (!out) throw validation_error("dir", "cannot write " + (dir / name).string(), "custom");
           files.push_back({{"file", (dir / name).string()}});
         }
         return {{"files", files}};
       }},
      {.name = "serve",
       .cli_path = {"serve"},
       .summary = "Serve the JSON API (every operation with a route) until SIGINT/SIGTERM",
       .example = "labctl serve --host 127.0.0.1 --port 8080",
       .params = {{.name = "host", .help = "listen address", .config_default = "server.host", .metavar = "HOST"},
                  {.name = "port", .type = ParamType::integer, .help = "listen port (0 = any free port)",
                   .config_default = "server.port", .min = 0, .max = 65535, .metavar = "PORT"}},
       .handler = [](Context& ctx, const Params& p) -> json {
         if (!ctx.services || !ctx.services->serve) throw internal_error("serve is not available here");
         ctx.services->serve(ctx, p);
         return {{"stopped", true}};
       }},
  };
}

}  // namespace labctl::ops
