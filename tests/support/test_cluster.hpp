#pragma once
// One private PostgreSQL cluster per test run (started on first use, removed at
// exit) and one database per test, cloned from a migrated template.
#include <filesystem>
#include <string>

namespace labctl::test {

// A fresh, fully migrated database; returns its connection URL.
std::string fresh_database();
// A fresh database with nothing in it (not even schema_migrations).
std::string empty_database();
// A scratch directory, removed at exit.
std::filesystem::path temp_dir(const std::string& prefix);

}  // namespace labctl::test
