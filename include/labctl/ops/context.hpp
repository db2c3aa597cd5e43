#pragma once
// What a handler receives: configuration, the database, who is calling.
// Front ends build it; handlers never reach for globals.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "labctl/core/deadline.hpp"
#include "labctl/core/error.hpp"
#include "labctl/domains/auth/api_keys.hpp"
#include "labctl/domains/auth/project_access.hpp"
#include "labctl/domains/auth/sessions.hpp"
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

// What an HTTP request presents; the dispatch path turns it into the Caller (authentication.hpp).
struct Credentials {
  std::optional<std::string> session_id;  // the session cookie
  std::optional<std::string> api_key;     // X-API-Key: when present, cookies are ignored
  std::optional<std::string> csrf_token;  // X-CSRF-Token
  std::string client_ip;
};

// Who is calling. The CLI is the machine's operator (an owner: whoever runs labctl against the
// database already holds it); over HTTP the dispatch path establishes it from the credentials.
struct Caller {
  enum class Via { operator_, session, api_key, nobody };
  Via via = Via::operator_;
  std::optional<std::string> actor;     // the name in audit rows: the OS user, a session's user, apikey:<name>
  std::string role = "owner";           // api.md §2.7
  std::optional<std::string> user_id;   // an app_users row (none: the operator, the environment owner, a key)
  std::optional<auth::Session> session; // Via::session
  std::optional<auth::ApiKey> key;      // Via::api_key
  std::optional<Error> refuse_mutation; // why this caller may change nothing (no CSRF token, a read-only key)
  bool project_denied = false;          // a session whose active project it may not reach

  bool authenticated() const { return via != Via::nobody; }
  // Every project (owners, the operator), a key's project, or the user's assignments.
  auth::Reach reach() const {
    if (key) return {.only = key->project_id};
    return {.everything = role == "owner", .user_id = user_id};
  }
};

// What the answer does to the session cookies (login sets them, logout and unknown sessions clear them).
struct SessionCookies {
  enum class Change { none, set, clear };
  Change change = Change::none;
  std::string session_id, csrf_token;
};

// Long-running front-end services a CLI-only operation may start (the factory
// pattern: main wires them, tests can substitute them).
struct Services {
  std::function<void(Context&, const Params&)> serve;
  std::map<std::string, std::string> library_versions;  // the front ends' libraries, for `labctl version`
};

struct RateLimits;

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
  std::optional<Credentials> credentials;  // HTTP; none = the CLI's operator
  Caller caller;
  std::optional<std::string> project_id;  // --project, the session's active project, the key's project
  std::optional<std::string> account_scope_id;  // Scope::account operations: resolved by the dispatch path
  bool scheduled = false;  // a scheduled job's run: the scheduler records and announces it, not the dispatch path
  std::optional<Deadline> deadline;  // a scheduled job's timeout: long work checks it and stops (job_timeout)
  std::optional<Error> input_error;       // the body could not be read (invalid_json): raised after authentication
  SessionCookies cookies;
  std::vector<std::pair<std::string, std::string>> response_headers;  // HTTP: added to the answer, ok or not
  RateLimits* limits = nullptr;           // serve's request limits; none = unlimited (the CLI)
  std::function<void(const std::string&)> progress;  // a progress line (CLI on a TTY); may be empty

  // A connection whose schema is current.
  pqxx::connection& conn() { return acquire_(true); }
  // A connection as it is (db status, db migrate).
  pqxx::connection& raw_conn() { return acquire_(false); }

  // The project scope; throws 409 active_project_required when none is selected and 404
  // project_not_found when the selected one does not exist.
  ProjectScope scope();
  // Another project (or none) for what follows: --all-projects, a session's, a key's. With its
  // account scope when the caller's row already holds it (the project exists): no query then.
  void select_project(std::optional<std::string> id, std::optional<std::string> account_scope_id = std::nullopt);

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
