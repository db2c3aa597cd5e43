#pragma once
// The scheduler's job types (scheduler-and-intelligence.md §1.1): each one's cadence, whether
// every project gets a row of it, and the cascades a success triggers (§1.6). Which operation a
// type runs is the ops layer's (ops/job_handlers); a type without one runs as `skipped: no_handler`.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {
class Config;
}

namespace labctl::jobs {

struct JobType {
  std::string name;
  int cadence_seconds;  // the default row's; the single-connector syncs have none (0)
  bool default_row;     // ensure() gives every project a row
};

// The 18 types, in the chapter's order.
const std::vector<JobType>& job_catalogue();
// The type of that name, or none (a legacy or misspelt type).
const JobType* find_job_type(std::string_view name);
// The types whose rows a success of `type` makes due now.
std::vector<std::string> cascade_targets(std::string_view type);

// A run's timeout (§1.4): JOB_TIMEOUT_<TYPE>_MS (a positive integer, capped at 30 min; anything
// else is a config error), else scheduler.job_timeout_ms (JOB_TIMEOUT_MS).
std::chrono::milliseconds job_timeout(const Config& config, std::string_view type);
// The longest of the catalogue's: what a running row's lease must outlast.
std::chrono::milliseconds longest_job_timeout(const Config& config);

inline constexpr int kMinCadenceSeconds = 1;
inline constexpr int kMaxCadenceSeconds = 2'592'000;  // 30 days

}  // namespace labctl::jobs
