#pragma once
// What a handler receives: configuration, the database, who is calling.
// Front ends build it; handlers never reach for globals.
#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "labctl/ops/params.hpp"

namespace labctl {
class Config;
namespace db {
class Database;
}
}  // namespace labctl

namespace labctl::ops {

struct Scope {
  std::string project_id;
  std::string account_scope_id;
};

// Long-running front-end services a CLI-only operation may start (the factory
// pattern: main wires them, tests can substitute them).
struct Services {
  std::function<void(Context&, const Params&)> serve;
};

class Context {
 public:
  // acquire(check_schema) returns a connection for this call, opened lazily.
  using Acquire = std::function<pqxx::connection&(bool check_schema)>;

  Context(const Config& config, db::Database& database, Frontend frontend, std::string request_id,
          Acquire acquire, const Services* services = nullptr)
      : config(config), database(database), frontend(frontend), request_id(std::move(request_id)),
        services(services), acquire_(std::move(acquire)) {}

  const Config& config;
  db::Database& database;
  const Frontend frontend;
  const std::string request_id;
  const Services* services;
  std::optional<std::string> project_id;  // --project, or the session's project
  std::optional<std::string> actor;       // who acts, for audit rows
  std::function<void(const std::string&)> progress;  // a progress line (CLI on a TTY); may be empty

  // A connection whose schema is current.
  pqxx::connection& conn() { return acquire_(true); }
  // A connection as it is (db status, db migrate).
  pqxx::connection& raw_conn() { return acquire_(false); }

  // The project scope; throws 409 active_project_required when none is selected.
  Scope scope();

 private:
  Acquire acquire_;
  std::optional<Scope> scope_;
};

}  // namespace labctl::ops
