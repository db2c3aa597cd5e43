#include "labctl/domains/jobs/job_catalogue.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"

namespace labctl::jobs {

const std::vector<JobType>& job_catalogue() {
  static const std::vector<JobType> types = {
      {"connectors_sync_cycle", 900, true},
      {"connectors_reconciliation_daily", 86400, true},
      {"connector_errors_retry", 300, true},
      {"embeddings_run", 1200, true},
      {"signals_extraction", 900, true},
      {"health_scoring", 1800, true},
      {"upsell_radar", 1800, true},
      {"daily_digest", 86400, true},
      {"weekly_digest", 604800, true},
      {"campaign_scheduler", 300, true},
      {"analytics_aggregates", 1800, true},
      {"loops_contacts_sync", 3600, true},
      {"chatwoot_sync", 0, false},
      {"attio_sync", 0, false},
      {"linear_sync", 0, false},
      {"outbound_retention_cleanup", 86400, true},
      {"analytics_retention_cleanup", 43200, true},
      {"report_generation", 3600, true},
  };
  return types;
}

const JobType* find_job_type(std::string_view name) {
  const auto& all = job_catalogue();
  auto it = std::find_if(all.begin(), all.end(), [&](const JobType& t) { return t.name == name; });
  return it == all.end() ? nullptr : &*it;
}

std::vector<std::string> cascade_targets(std::string_view type) {
  if (type == "connectors_sync_cycle") return {"signals_extraction", "embeddings_run"};
  if (type == "signals_extraction") return {"health_scoring"};
  if (type == "health_scoring") return {"analytics_aggregates"};
  return {};
}

std::chrono::milliseconds job_timeout(const Config& config, std::string_view type) {
  constexpr long long kCapMs = 30 * 60 * 1000;
  std::string name = "JOB_TIMEOUT_";
  for (char c : type) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (auto value = config.environment(name + "_MS")) {
    long long ms = 0;
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), ms);
    if (ec != std::errc() || end != value->data() + value->size() || ms <= 0)
      throw config_error(name + "_MS is not a positive integer of milliseconds");
    return std::chrono::milliseconds(std::min(ms, kCapMs));
  }
  return std::chrono::milliseconds(config.get_int("scheduler.job_timeout_ms"));
}

std::chrono::milliseconds longest_job_timeout(const Config& config) {
  std::chrono::milliseconds longest{0};
  for (const auto& t : job_catalogue()) longest = std::max(longest, job_timeout(config, t.name));
  return longest;
}

}  // namespace labctl::jobs
