// The scheduler (scheduler-and-intelligence.md §1, §10 scenarios 1–12; §1.7 metrics) through the
// CLI and a real `labctl serve`, against a real database and labctl-sandbox: ensure, the claim's
// order and limit, concurrent ticks in separate processes, failures, timeouts, Retry-After and
// suspension, cascades, lease expiry, the worker's signals and forced shutdown, jobs without a
// handler, events, status, health, metrics and refused input.
#include <doctest/doctest.h>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <cmath>
#include <map>
#include <set>
#include <unistd.h>

#include "support/checks.hpp"
#include "support/child_process.hpp"
#include "support/event_stream_client.hpp"
#include "support/sync_fixture.hpp"
#include "labctl/domains/jobs/scheduled_jobs.hpp"
#include "labctl/domains/projects/projects.hpp"

using namespace labctl;
using json = nlohmann::json;
using test::Project;

namespace {

struct SchedulerFixture : test::SyncFixture {
  json cli(std::vector<std::string> args, int expect = 0) {
    args.insert(args.end(), {"-o", "json"});
    auto r = labctl(args);
    INFO(r.err);
    CHECK(r.exit_code == expect);
    return r.out.empty() ? json() : json::parse(r.out);
  }
  std::string job(const std::string& type, const std::string& column, const Project* p = nullptr) {
    const Project* in = p ? p : &p1;
    return db.text("SELECT (" + column + ")::text FROM scheduled_jobs WHERE project_id = '" + in->id +
                   "' AND job_type = '" + type + "'");
  }
  // Every row of the project not due for a day, but these.
  void only_due(const std::vector<std::string>& types, const Project* p = nullptr) {
    const Project* in = p ? p : &p1;
    cli({"scheduler", "list", "--project", in->id});
    db.exec("UPDATE scheduled_jobs SET next_run_at = now() + interval '1 day' WHERE project_id = '" + in->id + "'");
    std::string list;
    for (const auto& t : types) list += (list.empty() ? "'" : ", '") + t + "'";
    if (!list.empty())  // one statement: the same next_run_at, so the claim orders them by type
      db.exec("UPDATE scheduled_jobs SET next_run_at = now() - interval '1 minute' WHERE project_id = '" + in->id +
              "' AND job_type IN (" + list + ")");
  }
  // The job's first failure: counted once, due again 30 s ± 15 % after it.
  void backed_off_once(const std::string& type) {
    INFO(type);
    CHECK(job(type, "last_status") == "failed");
    CHECK(job(type, "payload->>'consecutive_failures'") == "1");
    CHECK(job(type, "(next_run_at - last_run_at) BETWEEN interval '25.5 seconds' AND interval '34.5 seconds'") == "true");
  }
  // Waits (up to 30 s) for a worker run to start; how many are running.
  long long wait_for_running() {
    for (int i = 0; i < 600 && db.count("SELECT count(*) FROM worker_runs WHERE status = 'running'") == 0; ++i)
      usleep(50'000);
    return db.count("SELECT count(*) FROM worker_runs WHERE status = 'running'");
  }
  std::string state() {
    return db.text("SELECT string_agg(job_type || status || cadence_seconds || next_run_at || coalesce(payload::text, ''), "
                   "',' ORDER BY job_type) || (SELECT count(*) FROM worker_runs) FROM scheduled_jobs");
  }
};

}  // namespace

TEST_CASE_FIXTURE(SchedulerFixture, "scenario 1: ensure gives a project the 15 default rows once, edits survive") {
  auto listed = cli({"scheduler", "list", "--project", p1.id})["jobs"];
  REQUIRE(listed.size() == 15);
  std::set<std::string> types;
  for (const auto& j : listed) {
    types.insert(j["job_type"].get<std::string>());
    CHECK(j["status"] == "active");
  }
  CHECK_FALSE(types.count("chatwoot_sync"));
  CHECK(db.count("SELECT count(*) FROM scheduled_jobs WHERE project_id = '" + p1.id + "' AND next_run_at <= now()") == 15);
  CHECK(job("weekly_digest", "cadence_seconds") == "604800");
  cli({"scheduler", "set-cadence", "embeddings_run", "600", "--project", p1.id});
  cli({"scheduler", "disable", "weekly_digest", "--project", p1.id});
  CHECK(cli({"scheduler", "list", "--project", p1.id})["jobs"].size() == 15);  // again: nothing added
  CHECK(job("embeddings_run", "cadence_seconds") == "600");
  CHECK(job("weekly_digest", "status") == "paused");
  CHECK(db.count("SELECT count(*) FROM audit_events WHERE action IN ('job.set_cadence', 'job.disable')") == 2);
}

TEST_CASE_FIXTURE(SchedulerFixture, "scenario 3: limit 3 with 15 due runs the 3 oldest; a job without a handler is skipped") {
  cli({"scheduler", "list", "--project", p1.id});
  db.exec("UPDATE scheduled_jobs SET next_run_at = now() - interval '1 hour' WHERE project_id = '" + p1.id + "'");
  db.exec("UPDATE scheduled_jobs SET next_run_at = now() - interval '2 hours' WHERE job_type IN "
          "('upsell_radar', 'report_generation', 'loops_contacts_sync')");
  auto r = cli({"scheduler", "tick", "--project", p1.id, "--limit", "3"})["result"];
  CHECK(r["processed"] == 3);
  CHECK(r["ok"] == 3);
  std::set<std::string> ran;
  for (const auto& d : r["details"]) {
    ran.insert(d["job_type"].get<std::string>());
    CHECK(d["details"] == json{{"status", "ok"}, {"skipped", true}, {"reason", "no_handler"}});  // scenario 10
  }
  CHECK(ran == std::set<std::string>{"loops_contacts_sync", "report_generation", "upsell_radar"});
  CHECK(db.count("SELECT count(*) FROM worker_runs WHERE status = 'ok'") == 3);
  CHECK(db.count("SELECT count(*) FROM job_runs WHERE job_name = 'upsell_radar' AND status = 'ok'") == 1);
  // Due again a cadence after completion.
  CHECK(db.count("SELECT count(*) FROM scheduled_jobs WHERE job_type = 'upsell_radar' AND "
                 "next_run_at BETWEEN now() + interval '1790 seconds' AND now() + interval '1810 seconds'") == 1);
}

TEST_CASE_FIXTURE(SchedulerFixture, "the daily reconciliation job runs `reconcile`, its rows tagged daily_job") {
  only_due({"connectors_reconciliation_daily"});
  CHECK(cli({"scheduler", "tick", "--project", p1.id})["result"]["ok"] == 1);
  CHECK(db.count("SELECT count(*) FROM sync_reconciliation_metrics WHERE source = 'daily_job'") > 0);
  CHECK(db.count("SELECT count(*) FROM sync_reconciliation_metrics WHERE source <> 'daily_job'") == 0);
  cli({"reconcile", "--project", p1.id});
  CHECK(db.count("SELECT count(*) FROM sync_reconciliation_metrics WHERE source = 'manual'") > 0);
}

TEST_CASE_FIXTURE(SchedulerFixture, "scenario 7: a sync success pulls its cascades to now; a paused one stays; a failure moves nothing") {
  only_due({"connectors_sync_cycle"});
  cli({"scheduler", "disable", "embeddings_run", "--project", p1.id});
  const std::string paused_at = job("embeddings_run", "next_run_at");
  auto r = cli({"scheduler", "tick", "--project", p1.id})["result"];
  CHECK(r["ok"] == 1);
  CHECK(db.count("SELECT count(*) FROM cw_messages WHERE project_id = '" + p1.id + "'") > 0);  // the sync really ran
  CHECK(db.count("SELECT count(*) FROM scheduled_jobs WHERE job_type = 'signals_extraction' AND next_run_at <= now() "
                 "AND payload -> 'cascade_triggered_by' ->> 'job_type' = 'connectors_sync_cycle'") == 1);
  CHECK(job("embeddings_run", "next_run_at") == paused_at);
  CHECK(job("embeddings_run", "status") == "paused");
  // The cascade's job runs on the next tick, and cascades on.
  db.exec("UPDATE scheduled_jobs SET next_run_at = now() + interval '1 day' WHERE job_type = 'connectors_sync_cycle'");
  cli({"scheduler", "tick", "--project", p1.id});
  CHECK(job("health_scoring", "payload->'cascade_triggered_by'->>'job_type'") == "signals_extraction");

  // A failing sync (the sandbox answers 500) cascades nothing and is backed off.
  only_due({"connectors_sync_cycle"});
  sandbox.set_faults("chatwoot.conversations:every,status=500");
  auto env_fast = env;
  env_fast["CONNECTOR_HTTP_RETRIES"] = "0";
  auto failed = test::labctl({"scheduler", "tick", "--project", p1.id, "-o", "json"}, env_fast);
  sandbox.set_faults("");
  CHECK(failed.exit_code == 6);
  auto result = json::parse(failed.out)["result"];
  CHECK(result["failed"] == 1);
  CHECK(result["details"][0]["dead_lettered"] == false);
  CHECK(job("signals_extraction", "next_run_at > now()") == "true");
  backed_off_once("connectors_sync_cycle");
  CHECK(db.count("SELECT count(*) FROM audit_events WHERE action = 'job.scheduler_tick' AND status = 'partial'") == 1);
}

TEST_CASE_FIXTURE(SchedulerFixture, "scenario 5: the 10th failure suspends (dead letter); enable brings it back; a success clears") {
  only_due({"connectors_sync_cycle"});
  db.exec("UPDATE scheduled_jobs SET payload = '{\"consecutive_failures\": 9}' WHERE job_type = 'connectors_sync_cycle'");
  sandbox.set_faults("linear.PullLinear:every,status=500");
  auto env_fast = env;
  env_fast["CONNECTOR_HTTP_RETRIES"] = "0";
  auto r = json::parse(test::labctl({"scheduler", "tick", "--project", p1.id, "-o", "json"}, env_fast).out)["result"];
  sandbox.set_faults("");
  CHECK(r["details"][0]["dead_lettered"] == true);
  CHECK(job("connectors_sync_cycle", "status") == "suspended");
  db.exec("UPDATE scheduled_jobs SET next_run_at = now() - interval '1 minute' WHERE job_type = 'connectors_sync_cycle'");
  CHECK(cli({"scheduler", "tick", "--project", p1.id})["result"]["processed"] == 0);  // skipped while suspended
  auto enabled = cli({"scheduler", "enable", "connectors_sync_cycle", "--project", p1.id})["job"];
  CHECK(enabled["status"] == "active");
  CHECK_FALSE(enabled["payload"].contains("consecutive_failures"));
  auto ok = cli({"scheduler", "run", "connectors_sync_cycle", "--project", p1.id})["result"];
  CHECK(ok["ok"] == 1);
  CHECK(job("connectors_sync_cycle", "coalesce(last_error, 'none')") == "none");
  CHECK(job("connectors_sync_cycle", "last_status") == "ok");
}

TEST_CASE_FIXTURE(SchedulerFixture, "scenario 4: a job that throws and one past its timeout fail and back off; the rest run") {
  only_due({"signals_extraction"});
  // A (linear_sync) throws: its source answers 500. C (chatwoot_sync) hangs: its source takes 5 s
  // and C may take 1 s. B (signals_extraction) is fine. The single-connector types have no default row.
  db.exec("INSERT INTO scheduled_jobs (project_id, account_scope_id, job_type, cadence_seconds, next_run_at) VALUES "
          "('" + p1.id + "', '" + p1.scope + "', 'chatwoot_sync', 900, now() - interval '1 minute'), "
          "('" + p1.id + "', '" + p1.scope + "', 'linear_sync', 900, now() - interval '1 minute')");
  sandbox.set_faults("linear.PullLinear:every,status=500;chatwoot.conversations:every,delay_ms=5000");
  auto env_timeout = env;
  env_timeout["CONNECTOR_HTTP_RETRIES"] = "0";
  env_timeout["JOB_TIMEOUT_CHATWOOT_SYNC_MS"] = "1000";
  auto r = test::labctl({"scheduler", "tick", "--project", p1.id, "-o", "json"}, env_timeout);
  sandbox.set_faults("");
  CHECK(r.exit_code == 6);
  auto result = json::parse(r.out)["result"];
  CHECK(result["processed"] == 3);
  CHECK(result["ok"] == 1);
  CHECK(result["failed"] == 2);
  std::map<std::string, json> by_type;
  for (const auto& d : result["details"]) by_type[d["job_type"]] = d;
  CHECK(by_type["chatwoot_sync"]["error"] == "job timed out after 1000ms");
  // Cancelled, not waited out: the run stopped at its deadline, long before the source answered.
  CHECK(by_type["chatwoot_sync"]["duration_ms"].get<long long>() < 4000);
  CHECK(by_type["linear_sync"]["status"] == "failed");
  CHECK(by_type["signals_extraction"]["status"] == "ok");
  backed_off_once("chatwoot_sync");
  backed_off_once("linear_sync");
  CHECK(job("chatwoot_sync", "last_error") == "job timed out after 1000ms");
  CHECK(db.count("SELECT count(*) FROM worker_runs WHERE job_type = 'chatwoot_sync' AND status = 'failed' "
                 "AND error = 'job timed out after 1000ms'") == 1);
  CHECK(job("signals_extraction", "next_run_at - last_run_at = interval '900 seconds'") == "true");
  CHECK(job("signals_extraction", "last_status") == "ok");

  // A per-type timeout that is not a positive integer is refused before anything runs.
  env_timeout["JOB_TIMEOUT_CHATWOOT_SYNC_MS"] = "soon";
  const std::string before = state();
  auto bad = test::labctl({"scheduler", "tick", "--project", p1.id}, env_timeout);
  CHECK(bad.exit_code == 8);
  CHECK(bad.err.find("JOB_TIMEOUT_CHATWOOT_SYNC_MS") != std::string::npos);
  CHECK(state() == before);
}

TEST_CASE_FIXTURE(SchedulerFixture, "a job whose database connection drops fails and backs off; the rest of the tick runs") {
  only_due({"signals_extraction"});
  db.exec("INSERT INTO scheduled_jobs (project_id, account_scope_id, job_type, cadence_seconds, next_run_at) VALUES "
          "('" + p1.id + "', '" + p1.scope + "', 'chatwoot_sync', 900, now() - interval '1 minute')");
  sandbox.set_faults("chatwoot.conversations:every,delay_ms=1500");  // the sync waits on its source…
  pid_t tick = test::start_labctl({"scheduler", "tick", "--project", p1.id}, env);
  const std::string job_connection = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'labctl job chatwoot_sync'";
  for (int i = 0; i < 400 && db.count(job_connection) == 0; ++i) usleep(25'000);
  REQUIRE(db.count(job_connection) == 1);
  // …while its connection is cut off.
  db.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'labctl job chatwoot_sync'");
  CHECK(test::wait_exit(tick) == 6);
  sandbox.set_faults("");
  backed_off_once("chatwoot_sync");
  CHECK(job("signals_extraction", "last_status") == "ok");
  CHECK(db.count("SELECT count(*) FROM scheduled_jobs WHERE status = 'running'") == 0);
  CHECK(db.count("SELECT count(*) FROM worker_runs WHERE status = 'running'") == 0);
}

TEST_CASE_FIXTURE(SchedulerFixture, "scenario 6: a source that asks for 120 s (Retry-After) is next tried in exactly 120 s") {
  only_due({"connectors_sync_cycle"});
  sandbox.set_faults("chatwoot.conversations:every,status=429,retry_after=120");
  auto env_fast = env;
  env_fast["CONNECTOR_HTTP_RETRIES"] = "0";
  auto r = test::labctl({"scheduler", "tick", "--project", p1.id, "-o", "json"}, env_fast);
  sandbox.set_faults("");
  CHECK(r.exit_code == 6);
  CHECK(job("connectors_sync_cycle", "last_status") == "failed");
  CHECK(job("connectors_sync_cycle", "next_run_at - last_run_at = interval '120 seconds'") == "true");  // no jitter
}

TEST_CASE_FIXTURE(SchedulerFixture, "scenario 8: a row running since 31 minutes comes back through the lease") {
  only_due({});
  db.exec("UPDATE scheduled_jobs SET status = 'running', started_at = now() - interval '31 minutes' "
          "WHERE job_type = 'health_scoring'");
  db.exec("INSERT INTO worker_runs (scheduled_job_id, project_id, account_scope_id, job_type, status, started_at) "
          "SELECT id, project_id, account_scope_id, job_type, 'running', started_at FROM scheduled_jobs "
          "WHERE job_type = 'health_scoring'");
  CHECK(cli({"scheduler", "tick", "--project", p1.id})["result"]["processed"] == 0);
  CHECK(job("health_scoring", "status") == "active");
  CHECK(job("health_scoring", "last_status") == "failed");
  CHECK(job("health_scoring", "last_error").rfind("dead_job_auto_cleanup: stuck in running state for over 30 minutes", 0) == 0);
  CHECK(job("health_scoring", "(next_run_at - now()) BETWEEN interval '25 seconds' AND interval '31 seconds'") == "true");
  CHECK(db.text("SELECT status || ' ' || error FROM worker_runs") == "failed dead_job_auto_cleanup");
  CHECK(job("health_scoring", "payload ? 'dead_job_cleaned_at'") == "true");
}

TEST_CASE_FIXTURE(SchedulerFixture, "scenario 2: four tick processes over 200 projects, two cycles: every due job runs exactly once per due time") {
  {
    pqxx::connection conn(env.at("DATABASE_URL"));
    std::vector<projects::Project> all = {{p1.id, "", p1.scope, "", ""}};
    for (int i = 0; i < 199; ++i) all.push_back(projects::create(conn, {"Tick " + std::to_string(i), std::nullopt, std::nullopt}));
    jobs::ensure_jobs(conn, all);
  }
  // The due set: types that cascade nothing, so each cycle's due jobs are exactly these.
  const std::string due_types = "job_type IN ('upsell_radar', 'report_generation', 'daily_digest', 'weekly_digest')";
  db.exec("UPDATE scheduled_jobs SET next_run_at = now() + interval '1 day' WHERE NOT " + due_types);
  auto many = env;
  many["SCHEDULER_MAX_CONCURRENT_JOBS"] = "100";
  for (int cycle = 1; cycle <= 2; ++cycle) {
    CAPTURE(cycle);
    db.exec("UPDATE scheduled_jobs SET next_run_at = now() - interval '1 minute' WHERE " + due_types);
    std::vector<pid_t> workers;
    for (int i = 0; i < 4; ++i)
      workers.push_back(test::start_labctl({"scheduler", "tick", "--all-projects", "--limit", "100"}, many));
    for (pid_t w : workers) CHECK(test::wait_exit(w) == 0);
    CHECK(db.count("SELECT count(*) FROM scheduled_jobs WHERE status = 'running' OR next_run_at <= now()") == 0);
    CHECK(db.count("SELECT count(*) FROM worker_runs") == 200 * 4 * cycle);
  }
  // Per (project, job, due time) one run: every due row twice, no row more often.
  CHECK(db.count("SELECT count(*) FROM (SELECT scheduled_job_id FROM worker_runs GROUP BY 1 HAVING count(*) <> 2) d") == 0);
  CHECK(db.count("SELECT count(DISTINCT scheduled_job_id) FROM worker_runs") == 200 * 4);
  CHECK(db.count("SELECT count(*) FROM worker_runs WHERE status <> 'ok'") == 0);
  CHECK(db.count("SELECT count(*) FROM daily_digests") == 200);  // one per project and day, written twice
}

TEST_CASE_FIXTURE(SchedulerFixture, "scenario 11: bad input is refused and changes nothing; the routes") {
  cli({"scheduler", "list", "--project", p1.id});
  const std::string before = state();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"scheduler", "tick", "--limit", "0"},
           {"scheduler", "tick", "--limit", "101"},
           {"scheduler", "set-cadence", "embeddings_run", "-5"},
           {"scheduler", "set-cadence", "embeddings_run", "2592001"},
           {"scheduler", "enable", "kag_daily_pipeline"},
           {"scheduler", "run", "no_such_job"}}) {
    auto with_project = args;
    with_project.insert(with_project.end(), {"--project", p1.id});
    auto r = labctl(with_project);
    CAPTURE(args);
    CHECK(r.exit_code == 2);
    CHECK(test::lines(r.err) == 1);
  }
  CHECK(labctl({"scheduler", "tick"}).exit_code == 4);  // neither a project nor --all-projects
  CHECK(state() == before);
  CHECK(labctl({"scheduler", "run", "chatwoot_sync", "--project", p1.id}).exit_code == 3);  // no row of that type

  test::Server server(env);
  auto http = server.session(p1.id);
  auto listed = test::body_of(http.Get("/jobs/scheduler"));
  CHECK(listed["jobs"].size() == 15);
  auto bad = http.Post("/jobs/scheduler/tick?limit=101", "{}", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(state() == before);
  only_due({"upsell_radar"});
  auto ticked = http.Post("/jobs/scheduler/tick?limit=5", "{\"all_projects\": true}", "application/json");
  REQUIRE(ticked);
  CHECK(ticked->status == 200);
  CHECK(test::body_of(ticked)["result"]["processed"] == 1);  // its project only: all_projects is the CLI's
}

TEST_CASE_FIXTURE(SchedulerFixture, "scenario 9: the worker stops after the current job on SIGTERM; after SIGKILL the lease brings rows back") {
  test::Project p2 = create_project("Second", 1);
  only_due({"connectors_sync_cycle", "upsell_radar", "report_generation"});
  only_due({}, &p2);
  auto once = labctl({"worker", "--once", "-o", "json"});  // wait: the sync is due; let it run once first
  CHECK(once.exit_code == 0);
  auto summary = test::parse(once);
  CHECK(summary["cycles"] == 1);
  CHECK(summary["processed"] == 3);
  CHECK(db.count("SELECT count(*) FROM scheduled_jobs WHERE status = 'running'") == 0);

  // A slow sync: SIGTERM while it runs; it finishes and is recorded, the rest is released, exit 0.
  only_due({"connectors_sync_cycle", "upsell_radar", "report_generation"});
  sandbox.set_faults("chatwoot.conversations:every,delay_ms=700");
  const long long runs_before = db.count("SELECT count(*) FROM worker_runs");
  pid_t worker = test::start_labctl({"worker", "--interval", "1"}, env);
  REQUIRE(wait_for_running() == 1);
  kill(worker, SIGTERM);
  CHECK(test::wait_exit(worker) == 0);
  sandbox.set_faults("");
  CHECK(db.count("SELECT count(*) FROM scheduled_jobs WHERE status = 'running'") == 0);
  CHECK(db.count("SELECT count(*) FROM worker_runs WHERE status = 'running'") == 0);
  // The job it was running finished; the claimed rows it never started are due again.
  CHECK(job("connectors_sync_cycle", "last_status") == "ok");
  CHECK(db.count("SELECT count(*) FROM worker_runs") == runs_before + 1);
  CHECK(job("upsell_radar", "next_run_at <= now() AND status = 'active' AND started_at IS NULL") == "true");
  CHECK(job("report_generation", "next_run_at <= now() AND status = 'active'") == "true");

  // SIGKILL mid-job: the row stays running until its lease ends; the next tick then releases it.
  only_due({"connectors_sync_cycle"});
  sandbox.set_faults("chatwoot.conversations:every,delay_ms=700");
  worker = test::start_labctl({"worker", "--interval", "1"}, env);
  REQUIRE(wait_for_running() == 1);
  kill(worker, SIGKILL);
  test::wait_exit(worker);
  sandbox.set_faults("");
  CHECK(job("connectors_sync_cycle", "status") == "running");
  db.exec("UPDATE scheduled_jobs SET started_at = now() - interval '31 minutes' WHERE status = 'running'");
  cli({"scheduler", "tick", "--project", p2.id});  // another project's tick does not touch it
  CHECK(job("connectors_sync_cycle", "status") == "running");
  cli({"scheduler", "tick", "--project", p1.id});
  CHECK(job("connectors_sync_cycle", "last_error").rfind("dead_job_auto_cleanup", 0) == 0);
  CHECK(db.count("SELECT count(*) FROM worker_runs WHERE status = 'running'") == 0);
  CHECK(db.count("SELECT count(*) FROM job_runs WHERE status = 'running'") == 0);  // its job run settled with it
  CHECK(db.count("SELECT count(*) FROM job_runs WHERE error = 'dead_job_auto_cleanup'") == 1);
}

TEST_CASE_FIXTURE(SchedulerFixture, "worker: a job still running SHUTDOWN_TIMEOUT_MS after SIGTERM is given back, due now; exit 10") {
  only_due({"connectors_sync_cycle"});
  sandbox.set_faults("chatwoot.conversations:every,delay_ms=3000");
  auto impatient = env;
  impatient["SHUTDOWN_TIMEOUT_MS"] = "300";
  pid_t worker = test::start_labctl({"worker", "--interval", "1"}, impatient);
  REQUIRE(wait_for_running() == 1);
  kill(worker, SIGTERM);
  CHECK(test::wait_exit(worker) == 10);
  sandbox.set_faults("");
  CHECK(job("connectors_sync_cycle", "status = 'active' AND started_at IS NULL AND next_run_at <= now()") == "true");
  CHECK(db.count("SELECT count(*) FROM worker_runs WHERE status = 'running'") == 0);
  CHECK(db.count("SELECT count(*) FROM worker_runs WHERE job_type = 'connectors_sync_cycle' AND status = 'failed' "
                 "AND error = 'worker_shutdown'") == 1);
  CHECK(db.count("SELECT count(*) FROM job_runs WHERE job_name = 'connectors_sync_cycle' AND status = 'failed' "
                 "AND error = 'worker_shutdown'") == 1);
  // The failure counter is not the worker's to raise: the job simply runs again.
  CHECK(job("connectors_sync_cycle", "coalesce(payload->>'consecutive_failures', '0')") == "0");
}

TEST_CASE_FIXTURE(SchedulerFixture, "examples: the crontab's lines and the systemd unit's worker run, silent when they succeed") {
  auto words = [](const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  };
  std::ifstream crontab(std::string(LABCTL_SOURCE_DIR) + "/examples/crontab");
  int commands = 0;
  for (std::string line; std::getline(crontab, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto w = words(line);
    REQUIRE(w.size() > 6);
    CHECK(w[5] == "labctl");
    std::vector<std::string> args(w.begin() + 6, w.end());
    CAPTURE(line);
    auto r = labctl(args);
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());  // cron mails whatever a job prints
    CHECK(r.err.empty());
    ++commands;
  }
  CHECK(commands == 2);
  CHECK(db.count("SELECT count(*) FROM worker_runs") > 0);
  CHECK(db.count("SELECT count(*) FROM daily_digests") == 1);

  std::ifstream unit(std::string(LABCTL_SOURCE_DIR) + "/examples/labctl-worker.service");
  std::string exec, kill_signal, stop_timeout, success_status;
  for (std::string line; std::getline(unit, line);) {
    if (line.rfind("ExecStart=", 0) == 0) exec = line.substr(10);
    if (line.rfind("KillSignal=", 0) == 0) kill_signal = line.substr(11);
    if (line.rfind("TimeoutStopSec=", 0) == 0) stop_timeout = line.substr(15);
    if (line.rfind("SuccessExitStatus=", 0) == 0) success_status = line.substr(18);
  }
  CHECK(kill_signal == "SIGTERM");  // what the worker stops cleanly on
  // systemd waits longer than the worker's own shutdown timeout (30 s), and its forced exit is a stop.
  REQUIRE_FALSE(stop_timeout.empty());
  CHECK(std::stoi(stop_timeout) > 30);
  CHECK(success_status == "10");
  auto w = words(exec);
  REQUIRE(w.size() >= 2);
  CHECK(w[0] == "/usr/local/bin/labctl");
  std::vector<std::string> args(w.begin() + 1, w.end());
  args.push_back("--once");
  auto r = labctl(args);
  CHECK(r.exit_code == 0);
}

TEST_CASE_FIXTURE(SchedulerFixture, "scenario 12: every scheduled run is announced: job_started, then job_completed") {
  only_due({"upsell_radar", "health_scoring"});
  test::Server server(env);
  auto login = server.login(test::kOwnerLogin, test::kOwnerPassword);
  auto select = server.client().Post("/projects/" + p1.id + "/select",
                                     httplib::Headers{{"Cookie", "sid=" + login.session_id},
                                                      {"X-CSRF-Token", login.csrf_token}},
                                     "", "application/json");
  REQUIRE(select->status == 200);
  test::EventStreamClient stream(server.port(), "Cookie: sid=" + login.session_id);
  REQUIRE(stream.status() == 200);
  REQUIRE(stream.next_event(std::chrono::seconds(5))->event == "connected");
  cli({"scheduler", "tick", "--project", p1.id});
  std::vector<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    auto e = stream.next_event(std::chrono::seconds(5));
    REQUIRE(e);
    auto data = json::parse(e->data);
    seen.push_back(e->event + " " + data["job_type"].get<std::string>() + " " + data["status"].get<std::string>());
  }
  CHECK(seen == std::vector<std::string>{"job_started health_scoring running", "job_completed health_scoring ok",
                                         "job_started upsell_radar running", "job_completed upsell_radar ok"});
}

TEST_CASE_FIXTURE(SchedulerFixture, "events tail prints the project's events as JSON lines, live") {
  only_due({"upsell_radar"});
  auto dir = test::temp_dir("events-tail");
  auto out = dir / "out", err = dir / "err";
  int out_fd = open(out.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  int err_fd = open(err.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  pid_t tail = test::spawn(LABCTL_BINARY, {"events", "tail", "--project", p1.id, "--count", "2"}, env, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
  for (int i = 0; i < 200 && test::slurp(err.string()).find("listening for events") == std::string::npos; ++i)
    usleep(25'000);
  REQUIRE(test::slurp(err.string()).find("listening for events") != std::string::npos);
  cli({"scheduler", "tick", "--project", p1.id});
  CHECK(test::wait_exit(tail) == 0);
  auto lines = test::slurp(out.string());
  std::istringstream in(lines);
  std::vector<json> events;
  for (std::string line; std::getline(in, line);) events.push_back(json::parse(line));
  REQUIRE(events.size() == 2);
  CHECK(events[0]["event"] == "job_started");
  CHECK(events[1]["event"] == "job_completed");
  CHECK(events[1]["job_type"] == "upsell_radar");
  CHECK(events[1]["project_id"] == p1.id);
  CHECK_FALSE(events[1].contains("account_scope_id"));
}

TEST_CASE_FIXTURE(SchedulerFixture, "jobs status: the latest run per job, chunks by status, entities, storage, watermarks") {
  sync("chatwoot", p1);
  only_due({"upsell_radar"});
  cli({"scheduler", "tick", "--project", p1.id});
  cli({"scheduler", "run", "upsell_radar", "--project", p1.id});
  auto s = cli({"jobs", "status", "--project", p1.id});
  std::map<std::string, json> latest;
  for (const auto& j : s["jobs"]) latest[j["job_name"]] = j;
  CHECK(latest.count("upsell_radar"));  // twice run, listed once
  CHECK(latest["upsell_radar"]["status"] == "ok");
  CHECK(s["rag_counts"].size() == 4);
  CHECK(s["rag_counts"]["pending"] == db.count("SELECT count(*) FROM rag_chunks WHERE project_id = '" + p1.id + "'"));
  CHECK(s["entities"]["messages"] == db.count("SELECT count(*) FROM cw_messages WHERE project_id = '" + p1.id + "'"));
  CHECK(s["entities"]["messages"].get<long long>() > 0);
  const json& storage = s["storage"];
  CHECK(storage["budget_bytes"] == 20LL << 30);
  CHECK(storage["scoped_logical_bytes"].get<long long>() > 0);
  CHECK(storage["database_bytes"].get<long long>() > storage["scoped_logical_bytes"].get<long long>());
  CHECK(storage["usage_percent"].get<double>() ==
        doctest::Approx(std::round(10000.0 * storage["database_bytes"].get<double>() / double(20LL << 30)) / 100.0));
  REQUIRE(s["watermarks"].size() == 1);
  CHECK(s["watermarks"][0]["source"].get<std::string>().rfind("chatwoot:", 0) == 0);
}

TEST_CASE_FIXTURE(SchedulerFixture, "metrics: runs, failures and a duration histogram per job type run in the process") {
  only_due({"upsell_radar", "connectors_sync_cycle", "analytics_retention_cleanup"});
  sandbox.set_faults("chatwoot.conversations:every,status=500");
  auto fast = env;
  fast["CONNECTOR_HTTP_RETRIES"] = "0";
  test::Server server(fast);
  auto http = server.session(p1.id);
  auto ticked = http.Post("/jobs/scheduler/tick", "{}", "application/json");
  sandbox.set_faults("");
  REQUIRE(ticked);
  CHECK(test::body_of(ticked)["result"]["failed"] == 1);
  const std::string text = http.Get("/metrics")->body;
  // The value of a series (a line of its own, not its TYPE comment).
  auto line = [&](const std::string& series) {
    auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return std::string("absent");
    at += series.size() + 2;
    return text.substr(at, text.find('\n', at) - at);
  };
  CHECK(line("app_job_runs_total{job_type=\"upsell_radar\"}") == "1");
  CHECK(line("app_job_runs_ok{job_type=\"upsell_radar\"}") == "1");
  CHECK(line("app_job_runs_failed{job_type=\"upsell_radar\"}") == "0");
  CHECK(line("app_job_runs_failed{job_type=\"connectors_sync_cycle\"}") == "1");
  CHECK(line("app_job_duration_seconds_count{job_type=\"connectors_sync_cycle\"}") == "1");
  CHECK(line("app_job_duration_seconds_bucket{job_type=\"connectors_sync_cycle\",le=\"+Inf\"}") == "1");
  CHECK(line("app_job_duration_seconds_bucket{job_type=\"upsell_radar\",le=\"1800\"}") == "1");
  CHECK(line("app_job_duration_min_ms{job_type=\"upsell_radar\"}") != "absent");
  CHECK(text.find("# TYPE app_job_duration_seconds histogram") != std::string::npos);
  // The retention job's own figures (api.md §6).
  CHECK(line("app_retention_cleanup_runs_total") == "1");
  CHECK(line("app_retention_cleanup_deleted_rows_total") == "0");
  CHECK(line("app_retention_cleanup_lag_days{table=\"search_analytics\"}") == "0");
}

TEST_CASE_FIXTURE(SchedulerFixture, "scheduler health: not started, healthy after a tick, degraded when ticks stop") {
  CHECK(cli({"scheduler", "health"})["status"] == "not_started");
  cli({"scheduler", "tick", "--project", p1.id, "--limit", "1"});
  auto healthy = cli({"scheduler", "health"});
  CHECK(healthy["status"] == "healthy");
  CHECK(healthy["seconds_since_tick"].get<long long>() < 300);
  db.exec("UPDATE app_settings SET updated_at = now() - interval '6 minutes' WHERE key = 'scheduler.last_tick_at'");
  test::Server server(env);
  auto r = server.client().Get("/health/scheduler");  // public, as /health is
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(test::body_of(r)["status"] == "degraded");
}
