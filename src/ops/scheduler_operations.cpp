// scheduler tick | list | enable | disable | set-cadence | run (scheduler-and-intelligence.md §1.4,
// §1.9; api.md §4.2: GET /jobs/scheduler, POST /jobs/scheduler/tick).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "labctl/core/config.hpp"
#include "labctl/core/stop_signal.hpp"
#include "labctl/domains/auth/project_access.hpp"
#include "labctl/domains/jobs/job_catalogue.hpp"
#include "labctl/domains/jobs/job_status.hpp"
#include "labctl/domains/jobs/scheduled_jobs.hpp"
#include "labctl/ops/context.hpp"
#include "labctl/ops/scheduler.hpp"
#include "operation_sets.hpp"

namespace labctl::ops {
namespace {

std::vector<std::string> job_type_names() {
  std::vector<std::string> out;
  for (const auto& t : jobs::job_catalogue()) out.push_back(t.name);
  return out;
}

Param job_type_param() {
  return {.name = "job_type", .type = ParamType::choice, .help = "a job type of the catalogue",
          .choices = job_type_names(), .required = true, .positional = true, .metavar = "JOB"};
}

Param limit_param() {
  return {.name = "limit", .type = ParamType::integer, .help = "jobs per project, 1..100",
          .config_default = "scheduler.tick_limit", .min = 1, .max = 100};
}

// The projects a tick covers: --all-projects every one (newest first), else the run's project.
std::vector<projects::Project> tick_projects(Context& ctx, const Params& p) {
  if (p.boolean("all_projects")) return auth::reachable_projects(ctx.conn(), ctx.caller.reach());
  auto scope = ctx.scope();
  return {{scope.project_id, "", scope.account_scope_id, "", ""}};
}

// §1.8: after SIGTERM/SIGINT the current job has SHUTDOWN_TIMEOUT_MS to finish. A worker still
// busy then gives back the rows it holds (release_held) and exits 10 at once.
class ShutdownWatchdog {
 public:
  ShutdownWatchdog(db::Database& database, const std::atomic<bool>& stop, std::chrono::milliseconds grace)
      : thread_([this, &database, &stop, grace] {
          std::unique_lock lock(mu_);
          while (!done_ && !stop.load()) cv_.wait_for(lock, std::chrono::milliseconds(100));
          if (done_ || cv_.wait_for(lock, grace, [this] { return done_; })) return;
          spdlog::error("worker still busy {} ms after the stop signal: giving its jobs back", grace.count());
          try {
            spdlog::info("worker gave back {} job(s)", release_held(database));
          } catch (const std::exception& e) {
            spdlog::error("worker could not give its jobs back (the lease will): {}", e.what());
          }
          std::_Exit(10);
        }) {}
  ~ShutdownWatchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// `labctl worker` (§1.8): ticks over every project, newest first, until SIGTERM/SIGINT (then it
// stops after the current job) or, with --once, after one tick. A throwing cycle is logged and the
// loop goes on; quiet JSON lines in the log, a status line on a terminal.
json run_worker(Context& ctx, const Params& p) {
  const std::atomic<bool>& stop = install_stop_signal();
  ShutdownWatchdog watchdog(ctx.database, stop, std::chrono::milliseconds(ctx.config.get_int("server.shutdown_timeout_ms")));
  const bool once = p.boolean("once");
  const auto interval = std::chrono::seconds(p.integer("interval"));
  long long cycles = 0, processed = 0, ok = 0, failed = 0, released = 0, cycle_errors = 0;
  while (!stop.load()) {
    ++cycles;
    try {
      OwnConnection cycle(ctx);  // a lost database connection costs one cycle, not the worker
      auto projects = auth::reachable_projects(cycle.context().conn(), ctx.caller.reach());
      json r = tick(cycle.context(), projects, ctx.config.get_int("scheduler.tick_limit"), &stop);
      processed += r["processed"].get<long long>();
      ok += r["ok"].get<long long>();
      failed += r["failed"].get<long long>();
      released += r["released"].get<long long>();
      spdlog::info("worker tick: {} projects, {} jobs, {} failed", projects.size(), r["processed"].get<long long>(),
                   r["failed"].get<long long>());
      if (ctx.progress)
        ctx.progress("tick " + std::to_string(cycles) + ": " + std::to_string(processed) + " jobs run, " +
                     std::to_string(failed) + " failed" + (once ? "" : "; next tick in " + std::to_string(interval.count()) + " s"));
    } catch (const std::exception& e) {
      ++cycle_errors;
      spdlog::error("worker tick failed: {}", e.what());
    }
    if (once) break;
    for (auto slept = std::chrono::milliseconds(0); slept < interval && !stop.load(); slept += std::chrono::milliseconds(100))
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {{"cycles", cycles}, {"processed", processed}, {"ok", ok}, {"failed", failed}, {"released", released},
          {"cycle_errors", cycle_errors}, {"stopped_by_signal", stop.load()}};
}

// Quiet for cron: on a terminal a line per job; elsewhere only the failures.
void print_jobs(const json& r, std::ostream& out, bool tty) {
  for (const auto& row : r["result"].value("details", json::array())) {
    const bool failed = row.value("status", "") == "failed";
    if (!failed && !tty) continue;
    out << row.value("project_id", "") << "  " << row.value("job_type", "") << "  "
        << (failed ? "failed: " + row.value("error", "")
                   : "ok in " + std::to_string(row.value("duration_ms", 0LL)) + " ms")
        << "\n";
  }
}

int tick_exit_code(const json& r) { return r["result"].value("failed", 0) ? 6 : 0; }

json audited_tick(const Params&, const json& r) {
  return {{"processed", r["result"]["processed"]}, {"ok", r["result"]["ok"]}, {"failed", r["result"]["failed"]}};
}

Operation change(const std::string& verb, const std::string& summary, const std::string& example,
                 std::vector<Param> extra,
                 std::function<jobs::ScheduledJob(pqxx::connection&, const std::string&, const Params&)> apply) {
  std::vector<Param> params = {job_type_param()};
  for (auto& p : extra) params.push_back(std::move(p));
  std::string action = verb;
  std::replace(action.begin(), action.end(), '-', '_');
  return {.name = "scheduler." + action,
          .cli_path = {"scheduler", verb},
          .summary = summary,
          .example = example,
          .params = params,
          .scope = Scope::required,
          .mutating = true,
          .audit = {.action = "job." + action, .entity_type = "scheduled_job", .entity = "/job/id"},
          .handler = [apply](Context& ctx, const Params& p) -> json {
            auto scope = ctx.scope();
            jobs::ensure_jobs(ctx.conn(), scope.project_id, scope.account_scope_id);
            return {{"job", apply(ctx.conn(), scope.project_id, p)}};
          }};
}

}  // namespace

std::vector<Operation> scheduler_operations() {
  std::vector<Operation> ops = {
      {.name = "scheduler.tick",
       .cli_path = {"scheduler", "tick"},
       .routes = {{.method = "POST", .path = "/jobs/scheduler/tick", .fixed = {{"all_projects", false}}}},
       .summary = "Run the due scheduled jobs of a project (or of every project): claim, run, record, back off",
       .example = "labctl scheduler tick --all-projects --limit 10",
       .params = {limit_param(),
                  {.name = "all_projects", .type = ParamType::boolean, .help = "every project, claimed together",
                   .default_value = false}},
       .scope = Scope::optional,
       .mutating = true,
       .audit = {.action = "job.scheduler_tick", .entity_type = "scheduler",
                 .payload = audited_tick,
                 .status = [](const json& r) -> std::string { return r["result"].value("failed", 0) ? "partial" : "ok"; }},
       .rows = "result.details",
       .columns = {"project_id", "job_type", "status", "duration_ms", "error"},
       .exit_code = tick_exit_code,
       .human = print_jobs,
       .handler = [](Context& ctx, const Params& p) -> json {
         if (!p.boolean("all_projects") && !ctx.project_id)
           throw Error(ErrorClass::conflict, "active_project_required",
                       "this command needs a project: pass --project ID or --all-projects");
         return {{"result", tick(ctx, tick_projects(ctx, p), static_cast<int>(p.integer("limit")))}};
       }},
      {.name = "jobs.status",
       .cli_path = {"jobs", "status"},
       .routes = {{.method = "GET", .path = "/jobs/status"}},
       .summary = "The project's latest job runs, chunks by embedding status, synced entities, storage against the "
                  "budget, newest sync watermarks",
       .example = "labctl jobs status --project 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c --output json",
       .scope = Scope::required,
       .rows = "jobs",
       .columns = {"job_name", "status", "started_at", "finished_at", "processed_count", "error"},
       .handler = [](Context& ctx, const Params&) -> json {
         auto scope = ctx.scope();
         pqxx::read_transaction tx(ctx.conn());
         return jobs::jobs_status(tx, scope.project_id, scope.account_scope_id,
                                  static_cast<long long>(ctx.config.get_int("storage.budget_gb")) << 30);
       }},
      {.name = "scheduler.health",
       .cli_path = {"scheduler", "health"},
       .routes = {{.method = "GET", .path = "/health/scheduler"}},
       .summary = "Whether ticks run: not_started, degraded (the last over 5 minutes ago) or healthy",
       .example = "labctl scheduler health --output json",
       .is_public = true,
       .handler = [](Context& ctx, const Params&) -> json { return jobs::scheduler_health(ctx.conn()); }},
      {.name = "scheduler.list",
       .cli_path = {"scheduler", "list"},
       .routes = {{.method = "GET", .path = "/jobs/scheduler"}},
       .summary = "The project's scheduled jobs: status, cadence, when they run next, how they last ended",
       .example = "labctl scheduler list --project 6a1f3c2e-0b4d-4e8f-9a7c-5d3b2e1f0a9c",
       .scope = Scope::required,
       .rows = "jobs",
       .columns = {"job_type", "status", "cadence_seconds", "next_run_at", "last_status", "last_error"},
       .handler = [](Context& ctx, const Params&) -> json {
         auto scope = ctx.scope();
         jobs::ensure_jobs(ctx.conn(), scope.project_id, scope.account_scope_id);
         return {{"jobs", jobs::list_jobs(ctx.conn(), scope.project_id, scope.account_scope_id)}};
       }},
      change("enable", "Make a paused or suspended job active and due now, its failures forgotten",
             "labctl scheduler enable health_scoring", {},
             [](pqxx::connection& c, const std::string& project, const Params& p) {
               return jobs::enable_job(c, project, p.str("job_type"));
             }),
      change("disable", "Pause a job (a running one finishes first)", "labctl scheduler disable weekly_digest", {},
             [](pqxx::connection& c, const std::string& project, const Params& p) {
               return jobs::disable_job(c, project, p.str("job_type"));
             }),
      change("set-cadence", "Run a job every SECONDS (1..2,592,000)", "labctl scheduler set-cadence embeddings_run 600",
             {{.name = "seconds", .type = ParamType::integer, .help = "the cadence in seconds",
               .min = jobs::kMinCadenceSeconds, .max = jobs::kMaxCadenceSeconds, .required = true, .positional = true,
               .metavar = "SECONDS"}},
             [](pqxx::connection& c, const std::string& project, const Params& p) {
               return jobs::set_cadence(c, project, p.str("job_type"), static_cast<int>(p.integer("seconds")));
             }),
  };
  Operation run = change("run", "Make a job due now and tick the project", "labctl scheduler run daily_digest", {},
                         [](pqxx::connection& c, const std::string& project, const Params& p) {
                           return jobs::make_due(c, project, p.str("job_type"));
                         });
  auto due_now = run.handler;
  run.params.push_back(limit_param());
  run.rows = "result.details";
  run.columns = {"project_id", "job_type", "status", "duration_ms", "error"};
  run.exit_code = tick_exit_code;
  run.human = print_jobs;
  run.handler = [due_now](Context& ctx, const Params& p) -> json {
    json out = due_now(ctx, p);
    auto scope = ctx.scope();
    out["result"] = tick(ctx, {{scope.project_id, "", scope.account_scope_id, "", ""}}, static_cast<int>(p.integer("limit")));
    return out;
  };
  ops.push_back(std::move(run));
  ops.push_back({.name = "worker",
                 .cli_path = {"worker"},
                 .summary = "Run the scheduler for every project until SIGTERM/SIGINT (it stops after the current job; one "
                            "still running after SHUTDOWN_TIMEOUT_MS is given back, due now, and the worker exits 10)",
                 .example = "labctl worker --interval 60",
                 .params = {{.name = "interval", .type = ParamType::integer, .help = "seconds between ticks",
                             .config_default = "worker.interval_seconds", .min = 1, .max = 86400, .metavar = "S"},
                            {.name = "once", .type = ParamType::boolean, .help = "one tick, then exit",
                             .default_value = false}},
                 .exit_code = [](const json& r) { return r.value("failed", 0) || r.value("cycle_errors", 0) ? 6 : 0; },
                 .handler = run_worker});
  return ops;
}

}  // namespace labctl::ops
