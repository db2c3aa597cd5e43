#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <sstream>

#include "labctl/db/migrator.hpp"
#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;
namespace fs = std::filesystem;

namespace {

std::set<std::string> lines_of(const fs::path& file) {
  std::ifstream in(file);
  std::set<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

long long count(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction tx(conn);
  return tx.exec1(sql)[0].as<long long>();
}

}  // namespace

TEST_CASE("applying all migrations twice: the second run applies nothing") {
  pqxx::connection conn(test::empty_database());
  const auto& all = db::embedded_migrations();
  REQUIRE(all.size() >= 10);
  auto first = db::apply_migrations(conn, all, false);
  CHECK(first.size() == all.size());
  CHECK(db::apply_migrations(conn, all, false).empty());
  CHECK(count(conn, "SELECT count(*) FROM schema_migrations") == static_cast<long long>(all.size()));
  CHECK(count(conn, "SELECT count(*) FROM schema_migrations WHERE length(checksum) = 64") ==
        static_cast<long long>(all.size()));
  // Every file is also harmless when executed again against an up-to-date schema.
  for (const auto& m : all) {
    CAPTURE(m.filename);
    pqxx::work tx(conn);
    CHECK_NOTHROW(tx.exec(m.sql));
    tx.abort();
  }
}

TEST_CASE("the migrated catalog is exactly the tables of data-model §6, plus labctl's vector-search and auth tables") {
  pqxx::connection conn(test::fresh_database());
  std::set<std::string> actual;
  pqxx::nontransaction tx(conn);
  for (const auto& r : tx.exec("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    actual.insert(r[0].c_str());
  auto expected = lines_of(fs::path(LABCTL_SOURCE_DIR) / "tests/data/expected_tables.txt");
  CHECK(expected.size() == 69 + 2 + 2);  // 0011: rag_scope_models, rag_vector_removals; 0014: login_failures, auth_events
  CHECK(actual == expected);
  CHECK(tx.exec1("SELECT count(*) FROM pg_matviews WHERE matviewname = 'mv_portfolio_dashboard'")[0].as<int>() == 1);
  CHECK(tx.exec1("SELECT count(*) FROM pg_extension WHERE extname = 'vector'")[0].as<int>() == 0);
  CHECK(tx.exec1("SELECT count(*) FROM pg_extension WHERE extname IN ('pgcrypto', 'pg_trgm')")[0].as<int>() == 2);
}

TEST_CASE("the scope guard fills, checks and rejects scope columns") {
  pqxx::connection conn(test::fresh_database());
  pqxx::work tx(conn);
  auto a = tx.exec1("INSERT INTO account_scopes (scope_key, name) VALUES ('a', 'A') RETURNING id::text")[0].as<std::string>();
  auto b = tx.exec1("INSERT INTO account_scopes (scope_key, name) VALUES ('b', 'B') RETURNING id::text")[0].as<std::string>();
  auto p = tx.exec_params1("INSERT INTO projects (name, account_scope_id) VALUES ('P', $1) RETURNING id::text", a)[0]
               .as<std::string>();
  auto filled = tx.exec_params1("INSERT INTO job_runs (job_name, status, project_id) VALUES ('x', 'ok', $1) "
                                "RETURNING account_scope_id::text", p)[0].as<std::string>();
  CHECK(filled == a);
  tx.commit();

  pqxx::work bad(conn);
  CHECK_THROWS_WITH_AS(bad.exec_params("INSERT INTO job_runs (job_name, status, project_id, account_scope_id) "
                                       "VALUES ('x', 'ok', $1, $2)", p, b),
                       doctest::Contains("cross-scope write rejected on job_runs"), pqxx::sql_error);
  bad.abort();
  pqxx::work missing(conn);
  CHECK_THROWS_WITH_AS(missing.exec("INSERT INTO job_runs (job_name, status) VALUES ('x', 'ok')"),
                       doctest::Contains("project_id is required for job_runs"), pqxx::sql_error);
  missing.abort();

  pqxx::work del(conn);
  del.exec_params("DELETE FROM projects WHERE id = $1", p);
  CHECK(del.exec1("SELECT count(*) FROM job_runs")[0].as<int>() == 0);
}
