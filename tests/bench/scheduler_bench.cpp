// The scheduler's own cost: 1,000 projects × the catalogue's 15 default rows, every one due, the
// handlers replaced by no-ops (here only): one all-projects claim plus the bookkeeping of every
// run (worker run, success, cascades) — wall time (target ≤ 1 s) untraced, and SQL statements per
// claim and per job from libpq's protocol trace over 10 projects of their own; then four processes
// ticking together (`labctl scheduler tick --all-projects`, real handlers of jobs that have none
// registered: skipped: no_handler) — jobs/s and that each ran once.
// Usage: scheduler_bench [--projects N]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "labctl/domains/jobs/scheduled_jobs.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "support/child_process.hpp"
#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"

namespace {

using namespace labctl;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

int main(int argc, char** argv) {
  int count = 1000;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--projects") count = std::stoi(argv[i + 1]);
  std::string url = test::fresh_database();
  auto env = test::test_env(url);
  pqxx::connection conn(url);
  std::vector<projects::Project> created;
  for (int i = 0; i < count; ++i) created.push_back(projects::create(conn, {"Bench " + std::to_string(i), std::nullopt, std::nullopt}));
  std::vector<std::string> ids;
  for (const auto& p : created) ids.push_back(p.id);
  auto ensure_start = Clock::now();
  jobs::ensure_jobs(conn, created);
  std::printf("%d projects, %zu rows ensured in %.2f s\n", count, ids.size() * 15, since(ensure_start));

  // Statements, counted from libpq's protocol trace on 10 projects of their own (tracing costs time
  // of its own, so the timed run below is not traced).
  std::vector<projects::Project> sample;
  std::vector<std::string> sample_ids;
  for (int i = 0; i < 10; ++i) sample.push_back(projects::create(conn, {"Sample " + std::to_string(i), std::nullopt, std::nullopt}));
  for (const auto& p : sample) sample_ids.push_back(p.id);
  jobs::ensure_jobs(conn, sample);
  std::vector<jobs::ScheduledJob> sampled;
  const long long claim_statements = bench::count_statements(conn, [&] { sampled = jobs::claim_jobs(conn, sample_ids, 15); });
  const long long job_statements = bench::count_statements(conn, [&] {
    for (const auto& job : sampled) jobs::record_success(conn, jobs::start_worker_run(conn, job), nlohmann::json::object());
  });

  // One all-projects claim and the bookkeeping of every claimed job, handlers no-ops.
  auto start = Clock::now();
  auto rows = jobs::claim_jobs(conn, ids, 15);
  const double claim_s = since(start);
  start = Clock::now();
  for (const auto& job : rows) jobs::record_success(conn, jobs::start_worker_run(conn, job), nlohmann::json::object());
  const double bookkeeping_s = since(start);
  const auto claimed = static_cast<long long>(rows.size());
  std::printf("claim of %lld due jobs across %d projects: %.3f s, %lld statement(s) with BEGIN/COMMIT\n", claimed, count,
              claim_s, claim_statements);
  std::printf("bookkeeping: %.3f s for %lld jobs (%.3f ms per job), %.1f statements per job\n", bookkeeping_s, claimed,
              1000 * bookkeeping_s / double(claimed), double(job_statements) / double(sampled.size()));
  const double total = claim_s + bookkeeping_s;
  std::printf("claim + bookkeeping: %.2f s for %lld jobs; target <= 1 s%s\n", total, claimed, total <= 1 ? "" : "  MISSED");

  // Four processes ticking every project at once: every due job exactly once.
  pqxx::nontransaction(conn).exec("UPDATE scheduled_jobs SET next_run_at = now() - interval '1 minute', "
                                  "status = 'active' WHERE job_type IN ('upsell_radar', 'report_generation', "
                                  "'loops_contacts_sync', 'campaign_scheduler')");
  pqxx::nontransaction(conn).exec("UPDATE scheduled_jobs SET next_run_at = now() + interval '1 day' WHERE job_type "
                                  "NOT IN ('upsell_radar', 'report_generation', 'loops_contacts_sync', 'campaign_scheduler')");
  const long long before = pqxx::nontransaction(conn).exec1("SELECT count(*) FROM worker_runs")[0].as<long long>();
  auto many = env;
  many["SCHEDULER_MAX_CONCURRENT_JOBS"] = "100";
  start = Clock::now();
  std::vector<pid_t> workers;
  for (int i = 0; i < 4; ++i)
    workers.push_back(test::start_labctl({"scheduler", "tick", "--all-projects", "--limit", "100"}, many));
  for (pid_t w : workers) test::wait_exit(w);
  const double four_s = since(start);
  auto r = pqxx::nontransaction(conn).exec1(
      "SELECT count(*), count(DISTINCT scheduled_job_id) FROM worker_runs WHERE id > " + std::to_string(before));
  const long long runs = r[0].as<long long>(), distinct = r[1].as<long long>();
  const long long due = 4LL * (count + static_cast<long long>(sample.size()));
  std::printf("4 worker processes, %lld due jobs: %.2f s = %.0f jobs/s; %lld runs of %lld distinct jobs%s\n", due, four_s,
              double(runs) / four_s, runs, distinct, runs == distinct && runs == due ? "" : "  WRONG");
  return runs == distinct && runs == due ? 0 : 1;
}
