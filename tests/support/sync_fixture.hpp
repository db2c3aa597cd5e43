#pragma once
// A database, a labctl-sandbox and a project bound to its first tenant: the setting of the
// end-to-end sync tests.
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "support/labctl_process.hpp"
#include "support/sandbox_process.hpp"
#include "support/test_cluster.hpp"

namespace labctl::test {

// Each table a sync writes, with the key that orders its rows.
extern const std::vector<std::pair<std::string, std::string>> kSyncedTables;

struct Project {
  std::string id;
  std::string scope;
};

class Db {
 public:
  explicit Db(const std::string& url) : conn_(url) {}
  long long count(const std::string& sql);
  std::string text(const std::string& sql);  // first column of the one row; "" for NULL
  long long rows(const std::string& table, const std::string& project_id);
  void exec(const std::string& sql);
  // Per synced table: the row count and an md5 of the rows in key order, without ingestion
  // timestamps, generated ids and the project/scope ids, so two databases compare.
  std::map<std::string, std::string> snapshot(const Project& p);

 private:
  pqxx::connection conn_;
};

// stdout as JSON (REQUIRE'd to parse).
nlohmann::json parse(const Run& run);

struct SyncFixture {
  Sandbox sandbox{{"--seed", "11"}};
  nlohmann::json tenants = sandbox.tenants()["tenants"];
  std::map<std::string, std::string> env = environment(sandbox, fresh_database());
  Db db{env.at("DATABASE_URL")};
  Project p1 = create_project("Northwind", 0);

  // The test environment for `url`, pointed at the sandbox, with several pages per list and
  // quick HTTP retries.
  static std::map<std::string, std::string> environment(const Sandbox& s, const std::string& url);
  Run labctl(const std::vector<std::string>& args, const std::optional<std::string>& input = std::nullopt) {
    return test::labctl(args, env, input);
  }
  // A project bound to the sandbox tenant with this index.
  Project create_project(const std::string& name, size_t tenant);
  // `labctl sync CONNECTOR --project P --output json [extra]`, REQUIRE'd to succeed.
  nlohmann::json sync(const std::string& connector, const Project& p, const std::vector<std::string>& extra = {});
};

}  // namespace labctl::test
