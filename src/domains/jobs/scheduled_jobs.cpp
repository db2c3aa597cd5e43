#include "labctl/domains/jobs/scheduled_jobs.hpp"

#include <algorithm>
#include <tuple>

#include "labctl/core/error.hpp"
#include "labctl/core/json_optional.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/prepared.hpp"
#include "labctl/db/rows.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/jobs/job_catalogue.hpp"

namespace labctl::jobs {
namespace {

using nlohmann::json;

std::string columns(const std::string& t) {
  return t + ".id::text, " + t + ".project_id::text, " + t + ".account_scope_id::text, " + t + ".job_type, " + t +
         ".status, " + t + ".payload::text, " + t + ".cadence_seconds, " + db::iso_utc(t + ".next_run_at") + ", " +
         db::iso_utc(t + ".started_at") + ", " + db::iso_utc(t + ".last_run_at") + ", " + t + ".last_status, " + t +
         ".last_error, " + db::iso_utc(t + ".updated_at");
}

ScheduledJob from_row(const pqxx::row& r) {
  return {r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str(), r[4].c_str(), json::parse(r[5].c_str()),
          r[6].as<int>(), r[7].c_str(), db::optional_text(r[8]), db::optional_text(r[9]), db::optional_text(r[10]),
          db::optional_text(r[11]), r[12].c_str()};
}

ScheduledJob changed(pqxx::connection& conn, const std::string& project, const std::string& type,
                     const std::string& set) {
  pqxx::work tx(conn);
  auto rows = tx.exec_params("UPDATE scheduled_jobs j SET " + set + ", updated_at = now() "
                             "WHERE j.project_id = $1::uuid AND j.job_type = $2 RETURNING " + columns("j"),
                             project, type);
  if (rows.empty()) throw Error(ErrorClass::not_found, "job_not_found", "the project has no " + type + " job");
  tx.commit();
  return from_row(rows[0]);
}

}  // namespace

void to_json(json& j, const ScheduledJob& s) {
  j = {{"id", s.id},
       {"project_id", s.project_id},
       {"job_type", s.job_type},
       {"status", s.status},
       {"cadence_seconds", s.cadence_seconds},
       {"next_run_at", s.next_run_at},
       {"started_at", s.started_at},
       {"last_run_at", s.last_run_at},
       {"last_status", s.last_status},
       {"last_error", s.last_error},
       {"payload", s.payload},
       {"updated_at", s.updated_at}};
}

long long ensure_jobs(pqxx::connection& conn, const std::vector<projects::Project>& projects) {
  if (projects.empty()) return 0;
  std::vector<std::string> types, ids, scopes;
  std::vector<std::int64_t> cadences;
  for (const auto& t : job_catalogue())
    if (t.default_row) {
      types.push_back(t.name);
      cadences.push_back(t.cadence_seconds);
    }
  for (const auto& p : projects) {
    ids.push_back(p.id);
    scopes.push_back(p.account_scope_id);
  }
  pqxx::work tx(conn);
  auto r = tx.exec_params(
      "INSERT INTO scheduled_jobs (project_id, account_scope_id, job_type, cadence_seconds, next_run_at) "
      "SELECT p.id, p.scope, t.job_type, t.cadence, now() "
      "FROM unnest($1::uuid[], $2::uuid[]) AS p(id, scope), unnest($3::text[], $4::int[]) AS t(job_type, cadence) "
      "ON CONFLICT (project_id, job_type) DO NOTHING",
      db::pg_text_array(ids), db::pg_text_array(scopes), db::pg_text_array(types), db::pg_bigint_array(cadences));
  tx.commit();
  return static_cast<long long>(r.affected_rows());
}

long long ensure_jobs(pqxx::connection& conn, const std::string& project, const std::string& scope) {
  return ensure_jobs(conn, {{project, "", scope, "", ""}});
}

std::vector<ScheduledJob> list_jobs(pqxx::connection& conn, const std::string& project, const std::string& scope) {
  std::vector<ScheduledJob> out;
  pqxx::read_transaction tx(conn);
  for (const auto& r : tx.exec_params("SELECT " + columns("j") + " FROM scheduled_jobs j "
                                      "WHERE j.project_id = $1::uuid AND j.account_scope_id = $2::uuid ORDER BY j.job_type",
                                      project, scope))
    out.push_back(from_row(r));
  return out;
}

ScheduledJob enable_job(pqxx::connection& conn, const std::string& project, const std::string& type) {
  return changed(conn, project, type,
                 "status = CASE WHEN j.status = 'running' THEN 'running' ELSE 'active' END, next_run_at = now(), "
                 "payload = j.payload - 'consecutive_failures'");
}

ScheduledJob disable_job(pqxx::connection& conn, const std::string& project, const std::string& type) {
  return changed(conn, project, type, "status = 'paused'");
}

ScheduledJob set_cadence(pqxx::connection& conn, const std::string& project, const std::string& type, int seconds) {
  return changed(conn, project, type, "cadence_seconds = " + std::to_string(seconds));
}

ScheduledJob make_due(pqxx::connection& conn, const std::string& project, const std::string& type) {
  auto job = changed(conn, project, type, "next_run_at = CASE WHEN j.status = 'active' THEN now() ELSE j.next_run_at END");
  if (job.status != "active" && job.status != "running")
    throw Error(ErrorClass::conflict, "job_not_active",
                "the " + type + " job is " + job.status + ": enable it first ('labctl scheduler enable " + type + "')");
  return job;
}

long long expire_leases(pqxx::connection& conn, const std::vector<std::string>& projects, int lease_minutes,
                        int threshold_minutes) {
  pqxx::work tx(conn);
  // A data-modifying WITH runs whether or not the query reads it: both updates happen, stuck is counted.
  long long released = tx.exec_params1(
      "WITH stuck AS ( "
      "  UPDATE scheduled_jobs SET status = 'active', last_run_at = started_at, last_status = 'failed', "
      "    last_error = 'dead_job_auto_cleanup: stuck in running state for over ' || $3::int || ' minutes', "
      "    next_run_at = now() + interval '30 seconds', started_at = NULL, updated_at = now(), "
      "    payload = payload || jsonb_build_object('dead_job_cleaned_at', now()) "
      "  WHERE project_id = ANY($1::uuid[]) AND status = 'running' "
      "    AND started_at < now() - make_interval(mins => $2::int) RETURNING id), "
      "runs AS (UPDATE worker_runs w SET status = 'failed', finished_at = now(), error = 'dead_job_auto_cleanup' "
      "  FROM stuck WHERE w.scheduled_job_id = stuck.id AND w.status = 'running' RETURNING w.job_run_id), "
      "logged AS (UPDATE job_runs r SET status = 'failed', finished_at = now(), error = 'dead_job_auto_cleanup' "
      "  FROM runs WHERE r.id = runs.job_run_id AND r.status = 'running') "
      "SELECT count(*) FROM stuck",
      db::pg_text_array(projects), lease_minutes, threshold_minutes)[0].as<long long>();
  tx.commit();
  return released;
}

std::vector<ScheduledJob> claim_jobs(pqxx::connection& conn, const std::vector<std::string>& projects,
                                     int per_project) {
  std::vector<ScheduledJob> out;
  pqxx::work tx(conn);
  for (const auto& r : tx.exec_params(
           "WITH due AS ( "
           "  SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY project_id ORDER BY next_run_at, job_type) AS n "
           "    FROM scheduled_jobs WHERE project_id = ANY($1::uuid[]) AND status = 'active' AND next_run_at <= now()) d "
           "  WHERE n <= $2), "
           "locked AS (SELECT j.id FROM scheduled_jobs j JOIN due USING (id) WHERE j.status = 'active' "
           "  FOR UPDATE OF j SKIP LOCKED) "
           "UPDATE scheduled_jobs c SET status = 'running', started_at = now(), updated_at = now() "
           "FROM locked WHERE c.id = locked.id RETURNING " + columns("c"),
           db::pg_text_array(projects), per_project))
    out.push_back(from_row(r));
  tx.commit();
  // The claim's order: by project, then as claimed.
  std::sort(out.begin(), out.end(), [](const ScheduledJob& a, const ScheduledJob& b) {
    return std::tie(a.project_id, a.next_run_at, a.job_type) < std::tie(b.project_id, b.next_run_at, b.job_type);
  });
  return out;
}

// Each statement below is a transaction of its own: the data-modifying CTEs commit together.
Claimed start_worker_run(pqxx::connection& conn, const ScheduledJob& job) {
  pqxx::nontransaction tx(conn);
  auto row = db::exec_prepared(tx, "start_worker_run",
      "WITH j AS (INSERT INTO job_runs (job_name, status, project_id, account_scope_id) "
      "  VALUES ($4, 'running', $2::uuid, $3::uuid) RETURNING id) "
      "INSERT INTO worker_runs (scheduled_job_id, project_id, account_scope_id, job_type, status, job_run_id) "
      "SELECT $1::uuid, $2::uuid, $3::uuid, $4, 'running', j.id FROM j RETURNING id, job_run_id",
      job.id, job.project_id, job.account_scope_id, job.job_type)[0];
  return {job, row[0].as<long long>(), row[1].as<long long>()};
}

Outcome record_success(pqxx::connection& conn, const Claimed& run, const json& details) {
  Outcome out;
  const std::string detail_text = db::jsonb_text(details);
  pqxx::nontransaction tx(conn);
  for (const auto& r : db::exec_prepared(tx, "record_success",
           "WITH w AS (UPDATE worker_runs SET status = 'ok', finished_at = now(), details = $4::jsonb WHERE id = $2), "
           "r AS (UPDATE job_runs SET status = 'ok', finished_at = now(), meta = $4::jsonb WHERE id = $3), "
           "s AS (UPDATE scheduled_jobs SET status = CASE WHEN status = 'paused' THEN 'paused' ELSE 'active' END, "
           "  last_status = 'ok', last_error = NULL, last_run_at = now(), started_at = NULL, "
           "  next_run_at = now() + make_interval(secs => greatest(1, least(cadence_seconds, $5::int))), "
           "  payload = payload - 'consecutive_failures', updated_at = now() WHERE id = $1::uuid), "
           // The cascades (§1.6): other rows of the project, active and not yet due. Found by the
           // (project_id, job_type) key first: a generic plan would otherwise scan every active row.
           "targets AS MATERIALIZED (SELECT id FROM scheduled_jobs WHERE project_id = $6::uuid "
           "  AND job_type = ANY($7::text[])) "
           "UPDATE scheduled_jobs SET next_run_at = now(), updated_at = now(), payload = payload || "
           "  jsonb_build_object('cascade_triggered_by', jsonb_build_object('job_type', $8::text, 'at', now())) "
           "WHERE id IN (SELECT id FROM targets) AND status = 'active' AND next_run_at > now() "
           "RETURNING job_type",
           run.job.id, run.worker_run_id, run.job_run_id, detail_text, kMaxCadenceSeconds, run.job.project_id,
           db::pg_text_array(cascade_targets(run.job.job_type)), run.job.job_type))
    out.cascaded.push_back(r[0].c_str());
  out.next_run_in_seconds = std::clamp(run.job.cadence_seconds, kMinCadenceSeconds, kMaxCadenceSeconds);
  return out;
}

Outcome record_failure(pqxx::connection& conn, const Claimed& run, const std::string& error,
                       std::optional<long long> retry_after_ms, const BackoffPolicy& policy, int max_retries) {
  Outcome out;
  pqxx::work tx(conn);
  const int failures = tx.exec_params1("SELECT coalesce((payload ->> 'consecutive_failures')::int, 0) + 1 "
                                       "FROM scheduled_jobs WHERE id = $1::uuid FOR UPDATE",
                                       run.job.id)[0]
                           .as<int>();
  out.dead_lettered = failures >= max_retries;
  out.next_run_in_seconds = backoff_seconds(policy, failures, retry_after_ms, draw_jitter());
  tx.exec_params("WITH w AS (UPDATE worker_runs SET status = 'failed', finished_at = now(), error = left($2, 1000) "
                 "  WHERE id = $1) "
                 "UPDATE job_runs SET status = 'failed', finished_at = now(), error = left($2, 2000) WHERE id = $3",
                 run.worker_run_id, error, run.job_run_id);
  tx.exec_params(
      "UPDATE scheduled_jobs SET status = CASE WHEN $5 THEN 'suspended' WHEN status = 'paused' THEN 'paused' "
      "  ELSE 'active' END, last_status = 'failed', last_error = left($2, 1000), last_run_at = now(), "
      "  started_at = NULL, next_run_at = now() + make_interval(secs => $3::int), "
      "  payload = payload || jsonb_build_object('consecutive_failures', $4::int), updated_at = now() "
      "WHERE id = $1::uuid",
      run.job.id, error, out.next_run_in_seconds, failures, out.dead_lettered);
  tx.commit();
  return out;
}

void release_job(pqxx::connection& conn, const ScheduledJob& job) {
  pqxx::work tx(conn);
  tx.exec_params("UPDATE scheduled_jobs SET status = CASE WHEN status = 'running' THEN 'active' ELSE status END, "
                 "  started_at = NULL, next_run_at = now(), updated_at = now() WHERE id = $1::uuid",
                 job.id);
  tx.commit();
}

void release_claims(pqxx::connection& conn, const std::vector<std::string>& job_ids) {
  pqxx::nontransaction(conn).exec_params(
      "WITH w AS (UPDATE worker_runs SET status = 'failed', finished_at = now(), error = 'worker_shutdown' "
      "  WHERE scheduled_job_id = ANY($1::uuid[]) AND status = 'running' RETURNING job_run_id), "
      "r AS (UPDATE job_runs SET status = 'failed', finished_at = now(), error = 'worker_shutdown' "
      "  WHERE id IN (SELECT job_run_id FROM w) AND status = 'running') "
      "UPDATE scheduled_jobs SET status = 'active', started_at = NULL, next_run_at = now(), updated_at = now() "
      "WHERE id = ANY($1::uuid[]) AND status = 'running'",
      db::pg_text_array(job_ids));
}

void note_tick(pqxx::connection& conn) {
  pqxx::nontransaction(conn).exec(
      "INSERT INTO app_settings (key, value, updated_at) VALUES ('scheduler.last_tick_at', now()::text, now()) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");
}

void to_json(json& j, const SchedulerHealth& h) {
  j = {{"status", h.status}, {"last_tick_at", h.last_tick_at}, {"seconds_since_tick", h.seconds_since_tick}};
}

SchedulerHealth scheduler_health(pqxx::connection& conn) {
  auto rows = pqxx::nontransaction(conn).exec(
      "SELECT " + db::iso_utc("updated_at") + ", floor(extract(epoch FROM now() - updated_at))::bigint "
      "FROM app_settings WHERE key = 'scheduler.last_tick_at'");
  if (rows.empty()) return {"not_started", std::nullopt, std::nullopt};
  const long long age = rows[0][1].as<long long>();
  return {age > 300 ? "degraded" : "healthy", std::string(rows[0][0].c_str()), age};
}

}  // namespace labctl::jobs
