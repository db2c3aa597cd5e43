#pragma once
// A fresh migrated database with two projects, for tests that check scoping.
#include <pqxx/pqxx>
#include <string>

#include "labctl/domains/projects/projects.hpp"
#include "support/test_cluster.hpp"

namespace labctl::test {

struct TwoProjects {
  std::string url = fresh_database();
  pqxx::connection conn{url};
  projects::Project p1 = projects::create(conn, {"P1", std::nullopt, std::nullopt});
  projects::Project p2 = projects::create(conn, {"P2", std::nullopt, std::nullopt});
};

}  // namespace labctl::test
