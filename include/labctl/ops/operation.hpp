#pragma once
// An operation is declared once: the CLI command, the HTTP route, parameter
// validation, completions and man pages are all derived from this entry.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace labctl::ops {

class Context;
class Params;
using json = nlohmann::json;

// list: a JSON array of strings, or one comma-separated string (the CLI's form); each item is
// trimmed and, with `lowercased`, lower-cased. date: an ISO date or timestamp, or (JSON) a
// number of epoch milliseconds. object: a JSON object, or (CLI) its JSON text.
enum class ParamType { string, integer, boolean, uuid, date, choice, list, object };

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
  std::optional<long long> max;
  std::vector<std::string> choices; // for ParamType::choice
  bool required = false;
  bool positional = false;          // CLI: positional argument instead of --flag
  bool lowercased = false;          // strings are always trimmed
  OutOfRange out_of_range = OutOfRange::reject;
  std::string flag;                 // CLI flag without dashes; "" = name in kebab-case
  std::string short_flag;           // CLI alias, e.g. "o" for -o
  std::string metavar;              // e.g. NAME, PORT; "" = derived from the type (see metavar())
};

struct HttpRoute {
  std::string method;  // GET or POST
  std::string path;    // template: /projects/:id/select
  int success_status = 200;
};

using Handler = std::function<json(Context&, const Params&)>;

struct Operation {
  std::string name;                    // e.g. projects.create
  std::vector<std::string> cli_path;   // {"projects", "create"}; empty = HTTP only
  std::optional<HttpRoute> http;       // none = CLI only
  std::string summary;                 // one line
  std::string example;                 // a full command line
  std::vector<Param> params;
  bool project_scoped = false;         // needs --project / the session's project
  bool mutating = false;               // POST: CSRF / write scope once auth lands
  bool is_public = false;              // served without authentication
  std::string permission;              // role permission required, e.g. project.create
  std::string rows;                    // result field rendered as rows ("projects", "result.retried"); "" = the object
  std::vector<std::string> columns;    // table/csv column order for rows
  std::string text;                    // result field written verbatim (metrics, scripts)
  std::function<int(const json&)> exit_code;  // CLI exit code of a result (a partial failure); none = 0
  // The table format's text instead of a table (e.g. ranked evidence); color: stdout is a TTY.
  std::function<void(const json&, std::ostream&, bool color)> human;
  Handler handler;
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
