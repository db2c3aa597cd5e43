#pragma once
// What a handler receives: configuration, the database, who is calling.
// Front ends build it; handlers never reach for globals.
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "labctl/ops/params.hpp"

namespace labctl {
class Config;
namespace db {
class Database;
}
namespace rag {
class RagRuntime;
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

  // Providers, vector indexes and the answer cache: `serve` shares one across requests
  // (use_rag); otherwise the first call makes one for this command.
  rag::RagRuntime& rag();
  void use_rag(rag::RagRuntime* runtime) { rag_ = runtime; }
  // The project's data changed (a sync, an embedding run): drop cached answers, poll indexes.
  void data_changed(const std::string& project_id);


 private:
  Acquire acquire_;
  std::optional<Scope> scope_;
  rag::RagRuntime* rag_ = nullptr;
  std::shared_ptr<rag::RagRuntime> own_rag_;  // shared_ptr: the type is incomplete here
};

}  // namespace labctl::ops
