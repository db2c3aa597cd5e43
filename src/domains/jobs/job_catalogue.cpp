#include "labctl/domains/jobs/job_catalogue.hpp"

#include <algorithm>

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

}  // namespace labctl::jobs
