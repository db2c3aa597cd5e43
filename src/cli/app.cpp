#include "labctl/cli/app.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <spdlog/spdlog.h>

#include "labctl/cli/progress_line.hpp"
#include "labctl/cli/render.hpp"
#include "labctl/cli/secret_input.hpp"
#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"
#include "labctl/core/logging.hpp"
#include "labctl/core/metrics.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/db/database.hpp"
#include "labctl/ops/dispatch.hpp"
#include "labctl/ops/registry.hpp"

namespace labctl::cli {
namespace {

using json = nlohmann::json;

// What the user typed for one command: option → raw text (or flag count).
struct Typed {
  std::map<std::string, std::string> values;
  std::map<std::string, int64_t> flags;
};

CLI::Option* add_param(CLI::App& cmd, const ops::Param& p, Typed& typed) {
  std::string names = p.positional ? p.name : (p.short_flag.empty() ? "" : "-" + p.short_flag + ",") + "--" + ops::cli_flag(p);
  if (p.type == ops::ParamType::boolean && !p.positional) return cmd.add_flag(names, typed.flags[p.name], p.help);
  auto* opt = cmd.add_option(names, typed.values[p.name], p.help);
  opt->type_name(ops::metavar(p));
  return opt;
}

json typed_input(const std::vector<ops::Param>& params, const CLI::App& cmd, const Typed& typed) {
  json input = json::object();
  for (const auto& p : params) {
    std::string name = p.positional ? p.name : "--" + ops::cli_flag(p);
    if (cmd.count(name) == 0) continue;
    if (p.type == ops::ParamType::boolean && !p.positional)
      input[p.name] = typed.flags.at(p.name) > 0;
    else
      input[p.name] = typed.values.at(p.name);
  }
  return input;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

int report(const Error& e, const std::string& format) {
  if (format == "json" || format == "ndjson") {  // scripts read the error as JSON too
    json body = {{"ok", false}, {"error", e.code()}, {"message", first_line(e.what())}};
    if (!e.details().is_null()) body["details"] = e.details();
    std::cerr << body.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
  } else {
    std::cerr << "labctl: " << printable(first_line(e.what())) << std::endl;
  }
  return exit_code(e.error_class());
}

std::string command_line(const std::vector<std::string>& path) {
  std::string out = "labctl";
  for (const auto& w : path) out += " " + w;
  return out;
}

// "labctl projects frob" → unknown command 'frob' for 'labctl projects' (list, create, show).
std::string missing_command_message(int argc, char** argv,
                                    const std::map<std::vector<std::string>, CLI::App*>& commands) {
  std::vector<std::string> path;
  auto children = [&](const std::vector<std::string>& parent) {
    std::string names;
    for (const auto& [p, _] : commands)
      if (p.size() == parent.size() + 1 && std::equal(parent.begin(), parent.end(), p.begin()))
        names += (names.empty() ? "" : ", ") + p.back();
    return names;
  };
  std::set<std::string> with_value;
  for (const auto& p : ops::global_cli_options())
    if (p.type != ops::ParamType::boolean) {
      with_value.insert("--" + ops::cli_flag(p));
      if (!p.short_flag.empty()) with_value.insert("-" + p.short_flag);
    }
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (with_value.count(word)) {
      ++i;
      continue;
    }
    if (word.rfind("-", 0) == 0) continue;
    auto next = path;
    next.push_back(word);
    if (!commands.count(next))
      return "unknown command '" + word + "' for '" + command_line(path) + "' (commands: " + children(path) + ")";
    path = next;
  }
  return "'" + command_line(path) + "' needs a command: " + children(path);
}

// --output/-o as typed, before parsing succeeded: a usage error is reported in that format too.
std::string requested_format(int argc, char** argv) {
  std::string format = "table";
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if ((word == "-o" || word == "--output") && i + 1 < argc) format = argv[i + 1];
    else if (word.rfind("--output=", 0) == 0) format = word.substr(9);
    else if (word.rfind("-o", 0) == 0 && word.size() > 2) format = word.substr(2);
  }
  return format;
}

std::string os_user() {
  struct passwd* pw = getpwuid(geteuid());
  return pw ? pw->pw_name : "uid:" + std::to_string(geteuid());
}

}  // namespace

int run(int argc, char** argv, const ops::Services& services) {
  // A closed standard descriptor (`labctl … >&-`) would be handed to the first file labctl
  // opens, say the database's socket, and the answer written into it: hold each with /dev/null,
  // and refuse to run a command whose answer cannot be written.
  bool stdout_closed = false;
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      if (fd == STDOUT_FILENO) stdout_closed = true;
      open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY);  // the lowest free descriptor: this one
    }
  CLI::App app{"labctl: the back end of the agency operations dashboard", "labctl"};
  app.set_version_flag("--version", std::string("labctl ") + LABCTL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.footer("Run 'labctl COMMAND --help' for a command's options and an example.\n"
             "Exit codes: 0 ok, 1 internal, 2 invalid input, 3 not found, 4 conflict, 5 not allowed,\n"
             "6 upstream failed, 7 database unavailable, 8 configuration error, 9 check failed,\n"
             "10 forced shutdown (see labctl(1)).");

  Typed globals;
  for (const auto& p : ops::global_cli_options()) {
    auto* opt = add_param(app, p, globals);
    if (!p.choices.empty()) opt->check(CLI::IsMember(p.choices));
  }

  std::vector<std::pair<CLI::App*, const ops::Operation*>> leaves;
  std::map<const ops::Operation*, Typed> typed;
  std::map<std::vector<std::string>, CLI::App*> commands;
  for (const auto& op : ops::registry()) {
    if (op.cli_path.empty()) continue;
    CLI::App* cmd = &app;
    for (size_t i = 0; i < op.cli_path.size(); ++i) {
      std::vector<std::string> path(op.cli_path.begin(), op.cli_path.begin() + static_cast<long>(i) + 1);
      auto& next = commands[path];
      if (!next) {
        std::string summary;
        for (const auto& g : ops::command_groups())
          if (g.path == path) summary = g.summary;
        next = cmd->add_subcommand(op.cli_path[i], summary);
        if (i + 1 < op.cli_path.size()) next->require_subcommand(1);
      }
      cmd = next;
    }
    cmd->description(op.summary);
    cmd->footer("Example:\n  " + op.example);
    auto& t = typed[&op];
    for (const auto& p : ops::cli_params(op)) add_param(*cmd, p, t);
    leaves.emplace_back(cmd, &op);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::RequiredError& e) {
    bool subcommand = std::string(e.what()).find("subcommand") != std::string::npos;
    std::string message = subcommand ? missing_command_message(argc, argv, commands) : first_line(e.what());
    return report(Error(ErrorClass::invalid_params, "usage_error", message + " (see 'labctl --help')"),
                  requested_format(argc, argv));
  } catch (const CLI::ParseError& e) {
    return report(Error(ErrorClass::invalid_params, "usage_error", first_line(e.what()) + " (see 'labctl --help')"),
                  requested_format(argc, argv));
  }

  const ops::Operation* op = nullptr;
  CLI::App* cmd = nullptr;
  for (const auto& [leaf, candidate] : leaves)
    if (leaf->parsed()) cmd = leaf, op = candidate;

  json global_input = typed_input(ops::global_cli_options(), app, globals);
  std::string format = global_input.value("output", "table");
  if (stdout_closed)
    return report(Error(ErrorClass::invalid_params, "output_failed",
                        "standard output is closed; redirect it to /dev/null to discard the answer"),
                  format);
  try {
    auto config = Config::load(global_input.contains("config")
                                   ? std::optional<std::string>(global_input["config"].get<std::string>())
                                   : std::nullopt);
    if (!global_input.contains("output")) format = config.get("output.format");
    if (format != "table" && format != "json" && format != "ndjson" && format != "csv" && !op->documents.count(format)) {
      if (!global_input.contains("output"))
        throw config_error("output.format must be table, json, ndjson or csv, got '" + format + "'");
      throw validation_error("output", "--output " + format + " is for documents; this command prints table, json, ndjson or csv",
                             "invalid_enum_value");
    }
    int verbosity = static_cast<int>(globals.flags["verbose"] - globals.flags["quiet"]);
    setup_logging(config.get("log.format"), config.get("log.level"), verbosity);

    db::Database database(config);
    Metrics metrics;
    std::unique_ptr<pqxx::connection> conn;
    bool schema_checked = false;
    ops::Context ctx(config, database, metrics, ops::Frontend::cli, random_uuid_v4(),
                     [&](bool check_schema) -> pqxx::connection& {
                       if (!conn) conn = database.connect();
                       if (check_schema && !schema_checked) {
                         database.ensure_schema(*conn);
                         schema_checked = true;
                       }
                       return *conn;
                     },
                     &services);
    std::string project = global_input.value("project", config.get("project.default"));
    if (!project.empty()) {
      if (!is_uuid(project)) throw validation_error("project", "--project must be a valid UUID", "invalid_format");
      ctx.project_id = project;
    }
    // Whoever can run labctl against the database already holds it: the operator acts as owner.
    ctx.caller.actor = os_user();

    json input = typed_input(ops::cli_params(*op), *cmd, typed[op]);
    for (const auto& p : op->params) {
      if (p.type != ops::ParamType::password) continue;
      const std::string flag = p.name + "_stdin";
      auto secret = read_secret(p.help, "--" + ops::cli_flag({.name = flag}), input.value(flag, false), p.required);
      input.erase(flag);
      if (secret) input[p.name] = *secret;
    }
    ProgressLine progress(verbosity >= 0 && isatty(STDERR_FILENO));
    if (progress.enabled()) ctx.progress = [&progress](const std::string& line) { progress.show(line); };
    json result = op->all_projects ? ops::dispatch_per_project(*op, ctx, input) : ops::dispatch(*op, nullptr, ctx, input);
    progress.clear();
    render(*op, result, format, std::cout, isatty(STDOUT_FILENO));
    std::cout.flush();
    if (!std::cout)  // a closed or full stdout: the answer never arrived
      throw Error(ErrorClass::invalid_params, "output_failed",
                  std::string("cannot write the output: ") + std::strerror(errno ? errno : EBADF));
    return op->exit_code ? op->exit_code(result) : 0;
  } catch (const Error& e) {
    return report(e, format);
  } catch (const pqxx::broken_connection&) {
    return report(Error(ErrorClass::unavailable, "db_unavailable", "database connection lost"), format);
  } catch (const std::exception& e) {
    return report(internal_error(std::string("internal error: ") + e.what()), format);
  }
}

}  // namespace labctl::cli
