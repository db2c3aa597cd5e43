#pragma once
// A project's jobs at a glance (scheduler-and-intelligence.md §1.9, GET /jobs/status): the latest
// run of each job, the chunks by embedding status, how many synced entities there are, how much
// storage they take against the budget, and the newest sync watermarks.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/domains/connectors/sync_watermarks.hpp"

namespace labctl::jobs {

struct LatestRun {
  std::string job_name, status, started_at;
  std::optional<std::string> finished_at, error;
  long long processed_count;
};

struct JobsStatus {
  std::vector<LatestRun> jobs;                   // by job name
  std::map<std::string, long long> rag_counts;   // pending, processing, ready, failed: always all four
  std::map<std::string, long long> entities;     // contacts, conversations, messages, rag_chunks
  long long database_bytes, scoped_logical_bytes, budget_bytes;
  double usage_percent;                          // database / budget × 100, 2 decimals
  std::map<std::string, long long> table_bytes;  // the four tables, whole
  std::vector<connectors::SourceWatermark> watermarks;  // the 5 newest
};
void to_json(nlohmann::json& j, const JobsStatus& s);

JobsStatus jobs_status(pqxx::transaction_base& tx, const std::string& project_id, const std::string& account_scope_id,
                       long long budget_bytes);

}  // namespace labctl::jobs
