#pragma once
// What a handler receives: configuration, the database, who is calling.
// Front ends build it; handlers never reach for globals.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "labctl/core/error.hpp"
#include "labctl/ops/params.hpp"

namespace labctl {
class Config;
class Metrics;
namespace db {
class Database;
}
namespace rag {
class RagRuntime;
}
}  // namespace labctl

namespace labctl::ops {

struct ProjectScope {
  std::string project_id;
  std::string account_scope_id;
};

// Who is calling, as the front end established it; the dispatch path enforces the rest.
struct Caller {
  std::optional<std::string> actor;     // the name in audit rows: the OS user, a session's user, apikey:<name>
  std::string role = "owner";           // api.md §2.7
  bool authenticated = true;            // false: public operations only (401 otherwise)
  std::optional<Error> refuse_mutation; // why this caller may change nothing (no CSRF token, a read-only key)
};

// Long-running front-end services a CLI-only operation may start (the factory
// pattern: main wires them, tests can substitute them).
struct Services {
  std::function<void(Context&, const Params&)> serve;
  std::map<std::string, std::string> library_versions;  // the front ends' libraries, for `labctl version`
};

class Context {
 public:
  // acquire(check_schema) returns a connection for this call, opened lazily.
  using Acquire = std::function<pqxx::connection&(bool check_schema)>;

  Context(const Config& config, db::Database& database, Metrics& metrics, Frontend frontend, std::string request_id,
          Acquire acquire, const Services* services = nullptr)
      : config(config), database(database), metrics(metrics), frontend(frontend),
        request_id(std::move(request_id)), services(services), acquire_(std::move(acquire)) {}

  const Config& config;
  db::Database& database;
  Metrics& metrics;
  const Frontend frontend;
  const std::string request_id;
  const Services* services;
  Caller caller;
  std::optional<std::string> project_id;  // --project, or the session's project
  std::function<void(const std::string&)> progress;  // a progress line (CLI on a TTY); may be empty

  // A connection whose schema is current.
  pqxx::connection& conn() { return acquire_(true); }
  // A connection as it is (db status, db migrate).
  pqxx::connection& raw_conn() { return acquire_(false); }

  // The project scope; throws 409 active_project_required when none is selected and 404
  // project_not_found when the selected one does not exist.
  ProjectScope scope();
  // Another project for the next runs (the CLI's --all-projects).
  void select_project(const std::string& id);

  // Providers, vector indexes and the answer cache: `serve` shares one across requests
  // (use_rag); otherwise the first call makes one for this command.
  rag::RagRuntime& rag();
  void use_rag(rag::RagRuntime* runtime) { rag_ = runtime; }
  // The project's data changed (a sync, an embedding run): drop cached answers, poll indexes.
  void data_changed(const std::string& project_id);

 private:
  Acquire acquire_;
  std::optional<ProjectScope> scope_;
  rag::RagRuntime* rag_ = nullptr;
  std::shared_ptr<rag::RagRuntime> own_rag_;  // shared_ptr: the type is incomplete here
};

}  // namespace labctl::ops
