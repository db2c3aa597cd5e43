#pragma once
// The scheduler's rows (scheduler-and-intelligence.md §1.2–1.6): scheduled_jobs, one per project
// and job type, and worker_runs, one per run. PostgreSQL's row locks are the only coordination
// between any number of workers: a claim flips rows to `running` in the statement that locks them.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/domains/jobs/job_backoff.hpp"
#include "labctl/domains/projects/projects.hpp"

namespace labctl::jobs {

struct ScheduledJob {
  std::string id, project_id, account_scope_id, job_type, status;
  nlohmann::json payload;
  int cadence_seconds;
  std::string next_run_at;
  std::optional<std::string> started_at, last_run_at, last_status, last_error;
  std::string updated_at;
};
void to_json(nlohmann::json& j, const ScheduledJob& s);

// §1.3: the default rows the projects lack (active, due now), in one statement; existing rows are
// left as they are. Returns how many were added.
long long ensure_jobs(pqxx::connection& conn, const std::vector<projects::Project>& projects);
long long ensure_jobs(pqxx::connection& conn, const std::string& project_id, const std::string& account_scope_id);

// By job type.
std::vector<ScheduledJob> list_jobs(pqxx::connection& conn, const std::string& project_id,
                                    const std::string& account_scope_id);

// The project's row of `job_type` after the change; a type without a row is 404 job_not_found.
// enable: active, due now, failure counter cleared. disable: paused (a running job finishes first
// and then stays paused). set_cadence: seconds in 1..2,592,000 (checked by the caller). make_due:
// due now (a paused or suspended row is refused: 409 job_not_active).
ScheduledJob enable_job(pqxx::connection& conn, const std::string& project_id, const std::string& job_type);
ScheduledJob disable_job(pqxx::connection& conn, const std::string& project_id, const std::string& job_type);
ScheduledJob set_cadence(pqxx::connection& conn, const std::string& project_id, const std::string& job_type,
                         int seconds);
ScheduledJob make_due(pqxx::connection& conn, const std::string& project_id, const std::string& job_type);

// §1.4 step 2: rows of these projects `running` since before `lease_minutes` are returned to
// `active`, failed, due in 30 s; their open worker runs fail (dead_job_auto_cleanup). The count.
long long expire_leases(pqxx::connection& conn, const std::vector<std::string>& project_ids, int lease_minutes,
                        int threshold_minutes);

// §1.4 step 4: up to `per_project` due active rows of each project, oldest next_run_at first
// (ties by job type), locked with SKIP LOCKED and flipped to `running` in one statement. Rows
// another worker holds are skipped.
std::vector<ScheduledJob> claim_jobs(pqxx::connection& conn, const std::vector<std::string>& project_ids,
                                     int per_project);

// A claimed row whose run has started: its worker_runs row and the job_runs row it names (both
// `running`), written by one statement.
struct Claimed {
  ScheduledJob job;
  long long worker_run_id;
  long long job_run_id;
};
Claimed start_worker_run(pqxx::connection& conn, const ScheduledJob& job);

struct Outcome {
  bool dead_lettered = false;  // this failure suspended the row
  long long next_run_in_seconds = 0;  // cadence or backoff
  std::vector<std::string> cascaded;  // the job types a success made due
};

// §1.4 step 5, success: the runs ok, the row active (paused if it was disabled while running), due
// a cadence after now, its counter and error cleared; then the cascades. One statement.
Outcome record_success(pqxx::connection& conn, const Claimed& run, const nlohmann::json& details);
// Failure: the runs failed; the counter + 1, due after the backoff (or Retry-After); suspended at
// max_retries.
Outcome record_failure(pqxx::connection& conn, const Claimed& run, const std::string& error,
                       std::optional<long long> retry_after_ms, const BackoffPolicy& policy, int max_retries);
// A claimed row the worker will not run (it is stopping): back to active and due now.
void release_job(pqxx::connection& conn, const ScheduledJob& job);
// §1.8 forced exit: the rows a worker still holds go back to active and due now; the runs it had
// started for them (worker and job runs) fail with `worker_shutdown`. One statement.
void release_claims(pqxx::connection& conn, const std::vector<std::string>& job_ids);

// §1.7: when a tick last ran anywhere (one app_settings row), and what that says of the scheduler:
// not_started (never), degraded (over 5 minutes ago), healthy.
void note_tick(pqxx::connection& conn);
struct SchedulerHealth {
  std::string status;
  std::optional<std::string> last_tick_at;
  std::optional<long long> seconds_since_tick;
};
void to_json(nlohmann::json& j, const SchedulerHealth& h);
SchedulerHealth scheduler_health(pqxx::connection& conn);

}  // namespace labctl::jobs
