// Intelligence over a portfolio of 50 projects with sandbox volume: nine sandbox tenants synced
// for real, then copied (rows re-keyed, a project each) up to --projects; signals extracted and
// analytics refreshed everywhere. Then:
//   - `labctl digest daily --all-projects` wall time (median of 3; target ≤ 2 s);
//   - `labctl risk refresh` for every project: the per-project CLI time, and the in-process loop;
//   - SQL statements per project of signals extract, risk refresh, analytics refresh, daily and
//     weekly digest, control tower, and of one portfolio overview over every project — counted
//     with libpq's protocol trace on the smallest and the largest project: the counts must not
//     grow with rows (exit 1 when they do).
// Usage: intelligence_bench [--projects N] [--scale S] [--strict]
//   --strict  exit 1 when the digest target is missed (by default a miss is printed, exit 0)
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "labctl/domains/auth/account_scope.hpp"
#include "labctl/domains/intelligence/analytics.hpp"
#include "labctl/domains/intelligence/control_tower.hpp"
#include "labctl/domains/intelligence/digests.hpp"
#include "labctl/domains/intelligence/health_risk.hpp"
#include "labctl/domains/intelligence/portfolio_overview.hpp"
#include "labctl/domains/intelligence/signals.hpp"
#include "support/sandbox_process.hpp"
#include "support/test_cluster.hpp"

namespace {

using namespace labctl;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using Env = std::map<std::string, std::string>;
using bench::checked;

constexpr double kDigestTargetSeconds = 2.0;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Project {
  std::string id, scope;
};

// The tables the intelligence reads, copied from one project to another: text ids and the ids
// that refer to them get a prefix, uuid ids are new, Chatwoot's account ids move out of the way.
const std::vector<std::string> kCopied = {"cw_contacts",        "cw_conversations",  "cw_messages",
                                          "linear_issues_raw",  "attio_accounts_raw", "attio_opportunities_raw",
                                          "evidence_items"};

void copy_project(pqxx::connection& conn, const Project& from, const Project& to, int n) {
  pqxx::work tx(conn);
  const std::string prefix = "c" + std::to_string(n) + ":";
  for (const auto& table : kCopied) {
    std::vector<std::string> columns, values;
    for (const auto& r : tx.exec_params("SELECT column_name, data_type FROM information_schema.columns "
                                        "WHERE table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position",
                                        table)) {
      const std::string c = r[0].c_str(), type = r[1].c_str();
      if (c == "search_text") continue;
      columns.push_back(c);
      if (c == "project_id") values.push_back(tx.quote(to.id) + "::uuid");
      else if (c == "account_scope_id") values.push_back(tx.quote(to.scope) + "::uuid");
      else if (c == "id" && type == "uuid") values.push_back("gen_random_uuid()");
      else if (c == "id" || c == "conversation_global_id" || c == "contact_global_id" || c == "message_global_id")
        values.push_back(tx.quote(prefix) + " || " + c);
      else if (c == "account_id" && table.rfind("cw_", 0) == 0) values.push_back(c + " + " + std::to_string(1000 * n));
      else values.push_back(c);
    }
    std::string cols, vals;
    for (size_t i = 0; i < columns.size(); ++i) {
      cols += (i ? ", " : "") + columns[i];
      vals += (i ? ", " : "") + values[i];
    }
    tx.exec("INSERT INTO " + table + " (" + cols + ") SELECT " + vals + " FROM " + table +
            " WHERE project_id = " + tx.quote(from.id) + "::uuid");
  }
  tx.commit();
}

}  // namespace

int main(int argc, char** argv) {
  int project_count = 50, scale = 1;
  bool strict = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--projects" && i + 1 < argc) project_count = std::stoi(argv[++i]);
    if (a == "--scale" && i + 1 < argc) scale = std::stoi(argv[++i]);
    if (a == "--strict") strict = true;
  }
  test::Sandbox sandbox({"--tenants", "9", "--scale", std::to_string(scale)});
  std::string url = test::fresh_database();
  Env env = test::test_env(url);
  for (const auto& [k, v] : sandbox.env()) env[k] = v;

  auto setup = Clock::now();
  std::vector<Project> projects;
  const json tenants = sandbox.tenants()["tenants"];
  for (const auto& t : tenants) {
    json p = checked({"projects", "create", t["name"].get<std::string>(), "-o", "json"}, env)["project"];
    projects.push_back({p["id"], p["account_scope_id"]});
    checked({"sources", "bind", "chatwoot", t["chatwoot"]["account_id"].dump(), "--project", p["id"]}, env);
    checked({"sources", "bind", "linear", t["linear"]["workspace_id"], "--project", p["id"]}, env);
    checked({"sources", "bind", "attio", t["attio"]["workspace_id"], "--project", p["id"]}, env);
  }
  checked({"sync", "all", "--all-projects"}, env);
  pqxx::connection conn(url);
  const size_t synced = projects.size();
  for (int n = static_cast<int>(synced); n < project_count; ++n) {
    json p = checked({"projects", "create", "Copy " + std::to_string(n), "-o", "json"}, env)["project"];
    projects.push_back({p["id"], p["account_scope_id"]});
    copy_project(conn, projects[n % synced], projects.back(), n);
  }
  for (const auto& p : projects) {
    pqxx::work tx(conn);
    intelligence::extract_signals(tx, p.id, p.scope);
    intelligence::refresh_analytics(tx, p.id, p.scope, 30);
    tx.commit();
  }
  auto volume = pqxx::nontransaction(conn).exec1(
      "SELECT (SELECT count(*) FROM cw_messages), (SELECT count(*) FROM linear_issues_raw), "
      "(SELECT count(*) FROM attio_opportunities_raw), (SELECT count(*) FROM signals), "
      "(SELECT count(*) FROM next_best_actions), (SELECT count(*) FROM evidence_items)");
  std::printf("portfolio: %zu projects (%zu synced from the sandbox, scale %d), set up in %.1f s\n", projects.size(),
              synced, scale, since(setup));
  std::printf("  rows: %lld messages, %lld issues, %lld deals, %lld signals, %lld next best actions, %lld evidence items\n",
              volume[0].as<long long>(), volume[1].as<long long>(), volume[2].as<long long>(), volume[3].as<long long>(),
              volume[4].as<long long>(), volume[5].as<long long>());

  // digest daily --all-projects, the cron job: the median of three runs (each regenerates every row).
  std::vector<double> digest_runs;
  for (int i = 0; i < 3; ++i) {
    auto start = Clock::now();
    checked({"digest", "daily", "--all-projects"}, env);
    digest_runs.push_back(since(start));
  }
  const double digest_s = bench::percentile(digest_runs, 0.5);
  std::printf("digest daily --all-projects: %.2f s median (%.2f / %.2f / %.2f), %.1f ms per project; target <= %.1f s%s\n",
              digest_s, digest_runs[0], digest_runs[1], digest_runs[2], 1000 * digest_s / double(projects.size()),
              kDigestTargetSeconds, digest_s <= kDigestTargetSeconds ? "" : "  MISSED");

  // risk refresh: the CLI per project (a process each, as a script would), and the work itself in-process.
  auto cli_start = Clock::now();
  for (const auto& p : projects) checked({"risk", "refresh", "--project", p.id}, env);
  const double cli_s = since(cli_start);
  auto loop_start = Clock::now();
  for (const auto& p : projects) {
    pqxx::work tx(conn);
    intelligence::refresh_risk(tx, p.id, p.scope);
    tx.commit();
  }
  const double loop_s = since(loop_start);
  std::printf("risk refresh x %zu: CLI %.2f s (%.1f ms per project, a process each), in-process %.3f s (%.2f ms per project)\n",
              projects.size(), cli_s, 1000 * cli_s / double(projects.size()), loop_s,
              1000 * loop_s / double(projects.size()));

  // Statements per project on the smallest and the largest project: equal, whatever the rows.
  auto messages_of = [&](const Project& p) {
    return pqxx::nontransaction(conn)
        .exec_params1("SELECT count(*) FROM cw_messages WHERE project_id = $1::uuid", p.id)[0]
        .as<long long>();
  };
  Project small = projects[0], large = projects[0];
  for (const auto& p : projects) {
    if (messages_of(p) < messages_of(small)) small = p;
    if (messages_of(p) > messages_of(large)) large = p;
  }
  const std::string today = pqxx::nontransaction(conn).exec1("SELECT (now() AT TIME ZONE 'UTC')::date::text")[0].c_str();
  struct Measured {
    const char* name;
    std::function<void(pqxx::work&, const Project&)> run;
  };
  const std::vector<Measured> measured = {
      {"signals extract", [](pqxx::work& tx, const Project& p) { intelligence::extract_signals(tx, p.id, p.scope); }},
      {"risk refresh", [](pqxx::work& tx, const Project& p) { intelligence::refresh_risk(tx, p.id, p.scope); }},
      {"analytics refresh",
       [](pqxx::work& tx, const Project& p) { intelligence::refresh_analytics(tx, p.id, p.scope, 30); }},
      {"digest daily",
       [&](pqxx::work& tx, const Project& p) { intelligence::generate_daily_digest(tx, p.id, p.scope, today); }},
      {"digest weekly",
       [&](pqxx::work& tx, const Project& p) { intelligence::generate_weekly_digest(tx, p.id, p.scope, today); }},
      {"control tower", [](pqxx::work& tx, const Project& p) { intelligence::control_tower(tx, p.id, p.scope); }},
  };
  bool constant = true;
  std::printf("SQL statements per project, BEGIN and COMMIT included (smallest %lld messages / largest %lld):\n",
              messages_of(small),
              messages_of(large));
  for (const auto& m : measured) {
    long long counts[2];
    for (int i = 0; i < 2; ++i) {
      const Project& p = i == 0 ? small : large;
      counts[i] = bench::count_statements(conn, [&] {
        pqxx::work tx(conn);
        m.run(tx, p);
        tx.commit();
      });
    }
    constant = constant && counts[0] == counts[1];
    std::printf("  %-18s %lld / %lld%s\n", m.name, counts[0], counts[1], counts[0] == counts[1] ? "" : "  GROWS");
  }
  // One portfolio overview over every project (the whole account scope), and over one.
  auto all = auth::scope_projects(conn, {.everything = true}, projects[0].scope);
  std::vector<std::string> every, one = {projects[0].id};
  for (const auto& p : all) every.push_back(p.id);
  double overview_ms = 0;
  long long portfolio_counts[2];
  for (int i = 0; i < 2; ++i)
    portfolio_counts[i] = bench::count_statements(conn, [&] {
      auto start = Clock::now();
      pqxx::read_transaction tx(conn);
      intelligence::portfolio_overview(tx, projects[0].scope, all, i == 0 ? one : every, {});
      if (i == 1) overview_ms = 1000 * since(start);
    });
  constant = constant && portfolio_counts[0] == portfolio_counts[1];
  std::printf("  %-18s %lld for 1 project / %lld for %zu (%.1f ms)\n", "portfolio overview", portfolio_counts[0],
              portfolio_counts[1], every.size(), overview_ms);
  if (!constant) {
    std::printf("statement counts grow with rows\n");
    return 1;
  }
  return strict && digest_s > kDigestTargetSeconds ? 1 : 0;
}
