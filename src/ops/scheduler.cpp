#include "labctl/ops/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"
#include "labctl/core/metrics.hpp"
#include "labctl/db/database.hpp"
#include "labctl/domains/events/live_events.hpp"
#include "labctl/domains/jobs/job_catalogue.hpp"
#include "labctl/domains/jobs/scheduled_jobs.hpp"
#include "labctl/ops/dispatch.hpp"
#include "labctl/ops/registry.hpp"

namespace labctl::ops {
namespace {

// Jobs this process runs at this moment, against SCHEDULER_MAX_CONCURRENT_JOBS (§1.4 step 3).
std::atomic<int> running_jobs{0};

struct Running {
  Running() { ++running_jobs; }
  ~Running() { --running_jobs; }
};

// The rows this process has claimed and not yet settled: what a forced exit gives back (§1.8),
// with the runs it started for them.
struct Holdings {
  std::mutex mu;
  std::set<std::string> job_ids;

  void hold(const std::vector<jobs::ScheduledJob>& claimed) {
    std::lock_guard lock(mu);
    for (const auto& job : claimed) job_ids.insert(job.id);
  }
  void settled(const std::string& job_id) {
    std::lock_guard lock(mu);
    job_ids.erase(job_id);
  }
};

Holdings& holdings() {
  static Holdings h;
  return h;
}

// §1.3: ensure runs once per project per process (a worker ticks the same projects every minute),
// for every new project of a tick in one statement.
void ensure_once(pqxx::connection& conn, const std::vector<projects::Project>& projects) {
  static std::mutex mu;
  static std::set<std::string> ensured;
  std::vector<projects::Project> fresh;
  {
    std::lock_guard lock(mu);
    for (const auto& p : projects)
      if (!ensured.count(p.id)) fresh.push_back(p);
  }
  jobs::ensure_jobs(conn, fresh);
  std::lock_guard lock(mu);
  for (const auto& p : fresh) ensured.insert(p.id);
}

// A failed row of the result (a sync whose connector failed) fails the job as a thrown error does,
// with the pause its source asked for.
std::optional<Error> failed_row(const Operation& op, const json& result) {
  if (op.rows.empty()) return std::nullopt;
  std::string pointer = "/" + op.rows;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  const json::json_pointer at(pointer);
  if (!result.contains(at) || !result.at(at).is_array()) return std::nullopt;
  for (const auto& row : result.at(at))
    if (row.is_object() && row.value("status", "") == "failed") {
      json details = json::object();
      if (row.contains("retry_after_ms")) details["retry_after_ms"] = row["retry_after_ms"];
      return Error(ErrorClass::upstream_failed, "job_failed", row.value("error", std::string("a part of the job failed")),
                   details);
    }
  return std::nullopt;
}

// Runs the job's operation in its project, on a connection of its own, until its deadline; its
// details on success.
json run_job(Context& parent, const jobs::Claimed& claimed, const Deadline& deadline) {
  const JobHandler* handler = job_handler(claimed.job.job_type);
  if (!handler) return {{"status", "ok"}, {"skipped", true}, {"reason", "no_handler"}};
  const Operation* op = find_operation(handler->operation);
  if (!op) throw Error(ErrorClass::internal, "no_operation", "job " + claimed.job.job_type + " names no operation");
  OwnConnection own(parent, deadline, "labctl job " + claimed.job.job_type);
  Context& ctx = own.context();
  ctx.scheduled = true;
  ctx.select_project(claimed.job.project_id, claimed.job.account_scope_id);
  json result = dispatch(*op, nullptr, ctx, handler->params);
  if (auto failed = failed_row(*op, result)) throw *failed;
  return result;
}

// job_started and job_completed (api.md §5): publishing never fails the job.
template <class Event>
void announce(Context& ctx, const Event& event) {
  bool sent = false;
  try {
    sent = events::publish(ctx.conn(), event);
  } catch (const std::exception&) {
  }
  ctx.metrics.inc(sent ? "app_redis_pubsub_publish_total" : "app_redis_pubsub_publish_failed_total");
}

struct FailurePolicy {
  jobs::BackoffPolicy backoff;
  int max_retries;
};

// The error a failed run records, and the pause its source asked for.
std::pair<std::string, std::optional<long long>> failure_of(const std::exception& e, const Deadline& deadline) {
  std::optional<long long> retry_after;
  if (const auto* error = dynamic_cast<const Error*>(&e); error && error->details().is_object()) {
    const json& after = error->details().value("retry_after_ms", json());
    if (after.is_number_integer()) retry_after = after.get<long long>();
  }
  // Whatever gave way once the time was up (an HTTP call, a cut-off statement), the job timed out.
  return {deadline.passed() ? deadline.error().what() : e.what(), retry_after};
}

// One claimed job from start to finish: its runs, the outcome, the metrics and both events.
// Its detail in the tick's result.
json run_claimed(Context& ctx, const jobs::ScheduledJob& job, const FailurePolicy& policy) {
  Running running;
  const jobs::Claimed claimed = jobs::start_worker_run(ctx.conn(), job);
  announce(ctx, events::JobStarted{job.project_id, job.account_scope_id, job.job_type});
  const auto started = std::chrono::steady_clock::now();
  const Deadline deadline(jobs::job_timeout(ctx.config, job.job_type), started);
  auto elapsed_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  };
  json detail = {{"project_id", job.project_id}, {"job_type", job.job_type}};
  bool ok = true;
  try {
    json result = run_job(ctx, claimed, deadline);
    auto outcome = jobs::record_success(ctx.conn(), claimed, result);
    detail.update({{"status", "ok"}, {"duration_ms", elapsed_ms()}, {"details", result}, {"cascaded", outcome.cascaded}});
  } catch (const std::exception& e) {
    ok = false;
    const auto [error, retry_after] = failure_of(e, deadline);
    auto outcome = jobs::record_failure(ctx.conn(), claimed, error, retry_after, policy.backoff, policy.max_retries);
    detail.update({{"status", "failed"}, {"duration_ms", elapsed_ms()}, {"error", error},
                   {"dead_lettered", outcome.dead_lettered}});
    spdlog::warn("scheduled job {} of project {} failed", job.job_type, job.project_id);
  }
  ctx.metrics.observe_job(job.job_type, ok, detail["duration_ms"].get<double>());
  announce(ctx, events::JobCompleted{job.project_id, job.account_scope_id, job.job_type, ok});
  return detail;
}

}  // namespace

OwnConnection::OwnConnection(Context& parent, std::optional<Deadline> deadline, std::string name)
    : ctx_(parent.config, parent.database, parent.metrics, Frontend::cli, random_uuid_v4(),
           [this, &parent, name = std::move(name)](bool) -> pqxx::connection& {
             if (!conn_) {
               conn_ = parent.database.connect();
               pqxx::nontransaction tx(*conn_);
               if (!name.empty()) tx.exec0("SET application_name = " + tx.quote(name));
               if (ctx_.deadline)
                 tx.exec0("SET statement_timeout = " + std::to_string(std::max<long long>(1, ctx_.deadline->left().count())));
             }
             return *conn_;
           },
           parent.services) {
  ctx_.caller.actor = "scheduler";
  ctx_.progress = parent.progress;
  ctx_.deadline = deadline;
}

const JobHandler* job_handler(const std::string& job_type) {
  static const std::map<std::string, JobHandler> handlers = {
      {"connectors_sync_cycle", {"sync", {{"connector", "all"}}}},
      {"connectors_reconciliation_daily", {"reconcile"}},
      {"connector_errors_retry", {"connectors.retry", {{"limit", 20}}}},
      {"embeddings_run", {"embeddings.run"}},
      {"signals_extraction", {"signals.extract"}},
      {"health_scoring", {"risk.refresh"}},
      {"daily_digest", {"digest.daily"}},
      {"weekly_digest", {"digest.weekly"}},
      {"analytics_aggregates", {"analytics.refresh", {{"period_days", 30}}}},
      {"outbound_retention_cleanup", {"retention.outbound"}},
      {"analytics_retention_cleanup", {"retention.analytics"}},
      {"chatwoot_sync", {"sync", {{"connector", "chatwoot"}}}},
      {"attio_sync", {"sync", {{"connector", "attio"}}}},
      {"linear_sync", {"sync", {{"connector", "linear"}}}},
  };
  auto it = handlers.find(job_type);
  return it == handlers.end() ? nullptr : &it->second;
}

size_t release_held(db::Database& database) {
  Holdings& held = holdings();
  std::vector<std::string> job_ids;
  {
    std::lock_guard lock(held.mu);
    job_ids.assign(held.job_ids.begin(), held.job_ids.end());
  }
  if (!job_ids.empty()) jobs::release_claims(*database.connect(), job_ids);
  return job_ids.size();
}

json tick(Context& ctx, const std::vector<projects::Project>& projects, int limit, const std::atomic<bool>* stop) {
  const Config& config = ctx.config;
  const int threshold = config.get_int("scheduler.dead_job_minutes");
  const int max_concurrent = config.get_int("scheduler.max_concurrent");
  const FailurePolicy policy{{config.get_int("scheduler.backoff_base_seconds"), config.get_int("scheduler.backoff_cap_seconds")},
                             config.get_int("scheduler.max_retries")};
  // The lease outlives the longest job run (its timeout, rounded up to minutes) by five minutes.
  const auto longest = std::chrono::duration_cast<std::chrono::minutes>(jobs::longest_job_timeout(config));
  const int lease = std::max(threshold, static_cast<int>(longest.count()) + 1 + 5);

  json details = json::array();
  long long ok = 0, failed = 0, released = 0;
  std::vector<std::string> ids;
  ensure_once(ctx.conn(), projects);
  for (const auto& p : projects) ids.push_back(p.id);
  jobs::expire_leases(ctx.conn(), ids, lease, threshold);
  const int effective = std::min(limit, max_concurrent - running_jobs.load());
  if (effective <= 0)
    return {{"processed", 0},     {"ok", 0}, {"failed", 0}, {"released", 0}, {"details", details},
            {"skipped_reason", "concurrency_limit"}};

  const auto claimed_jobs = jobs::claim_jobs(ctx.conn(), ids, effective);
  Holdings& held = holdings();
  held.hold(claimed_jobs);
  for (const auto& job : claimed_jobs) {
    if (stop && stop->load()) {
      jobs::release_job(ctx.conn(), job);
      ++released;
    } else {
      json detail = run_claimed(ctx, job, policy);
      (detail["status"] == "ok" ? ok : failed) += 1;
      details.push_back(std::move(detail));
    }
    held.settled(job.id);
  }
  jobs::note_tick(ctx.conn());
  return {{"processed", ok + failed}, {"ok", ok}, {"failed", failed}, {"released", released}, {"details", details}};
}

}  // namespace labctl::ops
