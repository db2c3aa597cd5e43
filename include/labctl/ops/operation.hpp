#pragma once
// An operation is declared once: the CLI command, the HTTP routes, parameter validation,
// completions and man pages are all derived from this entry, and what it declares (scope,
// permission, mutating, audit action, wire codes, jobs) is enforced by the one dispatch path
// (dispatch.hpp), never by a handler.
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "labctl/core/error.hpp"

namespace labctl::ops {

class Context;
class Params;
using json = nlohmann::json;

// list: a JSON array of strings, or one comma-separated string (the CLI's form); each item is
// trimmed and, with `lowercased`, lower-cased. date: an ISO date or timestamp, or (JSON) a
// number of epoch milliseconds. object: a JSON object, or (CLI) its JSON text. password: a
// string taken as it is (never trimmed), never in an audit row; the CLI reads it from a terminal
// prompt or, with --NAME-stdin, from standard input, never from its arguments.
enum class ParamType { string, integer, boolean, uuid, date, choice, list, object, password };

// What an out-of-range value gets over HTTP (spec/api.md says per route).
// The CLI always rejects it with a clear error.
enum class OutOfRange { reject, clamp };

struct Param {
  std::string name;                 // the JSON field
  ParamType type = ParamType::string;
  std::string help;
  json default_value = nullptr;
  std::string config_default;       // config key that supplies the default, e.g. server.port
  std::optional<long long> min;     // integers: value; strings: length in characters
  std::optional<long long> max;     // … lists: the number of items
  ParamType items = ParamType::string;  // lists: each item's type (string or uuid)
  std::vector<std::string> choices; // for ParamType::choice
  bool required = false;
  bool positional = false;          // CLI: positional argument instead of --flag
  bool lowercased = false;          // strings are always trimmed
  OutOfRange out_of_range = OutOfRange::reject;
  std::string flag;                 // CLI flag without dashes; "" = name in kebab-case
  std::string short_flag;           // CLI alias, e.g. "o" for -o
  std::string metavar;              // e.g. NAME, PORT; "" = derived from the type (see metavar())
  // The wire code of a value that fails validation (api.md: invalid_uuid, invalid_id, …), answered
  // as 400 <code> instead of validation_error; "" = validation_error.
  std::string invalid_code;
  std::string missing_code;  // the wire code when a required value is missing ("" = validation_error)
};

// How a failure of the handler is answered on a route (api.md's per-route codes). The first rule
// whose class matches (none = any class) applies; `code` may name parameters ({connector}).
struct WireCode {
  std::optional<ErrorClass> when;  // the failure's class; none = every failure
  bool keep = false;               // answer the error as it is
  ErrorClass as = ErrorClass::internal;
  std::string code;
};

// The route runs the operation as a recorded job: a job_runs row, `running` → `ok` | `failed`.
struct Job {
  std::string name;       // job_runs.job_name; may name parameters ({connector}_sync)
  std::string processed;  // JSON pointer into the result: job_runs.processed_count ("" = 0)
};

// What a route adds to the per-IP and per-caller request limits (api.md §1.7; ops/rate_limits.hpp).
enum class RouteLimit {
  none,
  auth,       // /auth/*: the client IP's auth limit (30/min), public routes too
  expensive,  // POST /search, /lightrag/query, sync and embedding runs: per IP and route (10/min)
};

struct HttpRoute {
  std::string method;  // GET or POST
  std::string path;    // template: /projects/:id/select
  int success_status = 200;
  json fixed = json::object();                          // parameters this route sets
  std::map<std::string, std::vector<std::string>> choices;  // a choice parameter's values on this route
  std::string pick;    // JSON pointer: answer with this part of the result ("" = all of it)
  std::string wrap;    // answer with the result under this field ("" = flat)
  std::string audit;   // this route's audit action, when it is not the operation's
  std::function<int(const json& result)> status;  // the success status by result (none: success_status)
  bool with_request_id = true;  // false: the answer carries no request_id (api.md: /api-keys)
  RouteLimit limit = RouteLimit::none;
  // Answered as a Server-Sent Events stream of the result's project_id: `serve` hands the
  // connection to its event streams (api.md §5) instead of sending the result.
  bool event_stream = false;
  std::optional<Job> job;
  std::vector<WireCode> errors;
};

// The audit_events row an operation writes after each run (ok, failed or partial). `action` may
// name parameters ({connector}); `when` picks another action by a parameter's value
// ("connector=all" → connectors.sync_all).
struct Audit {
  std::string action;  // "" = the operation is not audited
  std::string entity_type;
  std::map<std::string, std::string> when;
  std::string entity;  // a parameter, or a JSON pointer into the result ("/project/id"); "" = the project
  // The row's project, a parameter or a JSON pointer into the result: no value there, no row.
  // "" = the run's project (its scope, else the caller's active project).
  std::string project;
  // The row's payload (default: the parameters given) and status (default "ok").
  std::function<json(const Params&, const json& result)> payload;
  std::function<std::string(const json& result)> status;
};

using Handler = std::function<json(Context&, const Params&)>;

// Whether an operation works in a project (api.md §3).
enum class Scope {
  none,      // never: --project is ignored
  optional,  // when one is given (it must exist): `usage`, `sources list`
  required,  // always: 409 active_project_required without one
  // A portfolio (api.md §3): the account scope of the caller's project, else the one scope of the
  // projects its `project_ids` / `project_id` parameters name; the handler reads
  // Context::account_scope_id and covers the projects of it the caller reaches.
  account,
};

struct ProjectRef {
  std::string id, name;
};

struct Operation {
  std::string name;                    // e.g. projects.create
  std::vector<std::string> cli_path;   // {"projects", "create"}; empty = HTTP only
  std::vector<HttpRoute> routes;       // none = CLI only
  std::string summary;                 // one line
  std::string example;                 // a full command line
  std::vector<Param> params;
  Scope scope = Scope::none;
  bool mutating = false;               // POST: CSRF / write scope
  bool is_public = false;              // served without authentication
  bool session_only = false;           // never for an API key (403 forbidden): key management
  std::string permission;              // role permission required, e.g. project.create
  std::string or_self;                 // a parameter: the permission is waived when it is the caller's own user id
  // The answer to a missing project over HTTP: "" = 409 active_project_required; else 400 with this
  // code (api.md: project_required on the key routes and the event stream). The CLI always says --project.
  std::string missing_project_code;
  Audit audit;
  // CLI: the command runs once per project of this list with --all-projects (each run in its
  // own scope and audited on its own), or once for --project; rows then name their project.
  std::function<std::vector<ProjectRef>(Context&, const Params&)> all_projects;
  std::string rows;                    // result field rendered as rows ("projects", "result.retried"); "" = the object
  std::vector<std::string> columns;    // table/csv column order for rows
  std::string text;                    // result field written verbatim (metrics, scripts)
  std::function<int(const json&)> exit_code;  // CLI exit code of a result (a partial failure); none = 0
  // The table format's text instead of a table (e.g. ranked evidence); color: stdout is a TTY.
  std::function<void(const json&, std::ostream&, bool color)> human;
  // Documents the CLI prints besides the four formats (--output markdown|html): format → writer.
  std::map<std::string, std::function<std::string(const json&)>> documents;
  Handler handler;

  bool project_scoped() const { return scope == Scope::required; }
};

struct CommandGroup {
  std::vector<std::string> path;  // {"db"}
  std::string summary;
};

// Kebab-case CLI flag of a parameter: recipient_ref → recipient-ref.
std::string cli_flag(const Param& p);
// The value's placeholder in help: the entry's metavar, else N, ID, DATE or the name upper-cased.
std::string metavar(const Param& p);

}  // namespace labctl::ops
