#pragma once
// The scheduler's tick (scheduler-and-intelligence.md §1.4): per project ensure the default rows,
// expire stale leases, claim due rows (set-based, SKIP LOCKED), then run each claimed job through
// the registry operation its type names — the one dispatch path, the same code as the job's CLI
// command and route — on a connection of its own, recording the outcome, the backoff and the
// cascades. A failure never stops the tick. Shared by `scheduler tick`, its route and the worker.
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "labctl/domains/projects/projects.hpp"
#include "labctl/ops/context.hpp"

namespace labctl::ops {

// A context like `parent` (configuration, database, the scheduler as actor) with a connection of
// its own, opened when first used and closed with it: a job's run, or one worker cycle, is never
// hurt by a connection an earlier one broke. With a deadline (a job's timeout) the context carries
// it and the connection cuts off any statement that would outlast it; a name shows in
// pg_stat_activity as the connection's application_name ("labctl job embeddings_run").
class OwnConnection {
 public:
  explicit OwnConnection(Context& parent, std::optional<Deadline> deadline = std::nullopt, std::string name = "");
  Context& context() { return ctx_; }

 private:
  std::unique_ptr<pqxx::connection> conn_;
  Context ctx_;
};

// The registry operation a job type runs, with the parameters it passes; none for the types whose
// domain has not landed (they run as skipped: no_handler).
struct JobHandler {
  std::string operation;
  json params = json::object();
};
const JobHandler* job_handler(const std::string& job_type);

// §1.8 forced exit: every row this process still holds goes back (jobs::release_claims), on a
// connection of its own. How many.
size_t release_held(db::Database& database);

// One tick over `projects` with `limit` jobs per project (1..100):
// {processed, ok, failed, released, details: [{project_id, job_type, status, duration_ms,
// details | error, dead_lettered}], skipped_reason?}. Once `stop` is set no further job starts:
// the claimed rows not yet run go back to active and due (worker_shutdown), counted in released.
json tick(Context& ctx, const std::vector<projects::Project>& projects, int limit,
          const std::atomic<bool>* stop = nullptr);

}  // namespace labctl::ops
