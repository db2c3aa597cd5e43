#pragma once
// job_runs rows (scheduler-and-intelligence.md §1): one per manual or scheduled job run,
// `running` → `ok` | `failed`. Each write commits on its own, so a crashed run stays visible.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace labctl::jobs {

long long start_run(pqxx::connection& conn, const std::string& project_id, const std::string& job_name);
void finish_run(pqxx::connection& conn, long long id, long long processed_count, const nlohmann::json& meta);
void fail_run(pqxx::connection& conn, long long id, const std::string& error);

}  // namespace labctl::jobs
