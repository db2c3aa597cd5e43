#include "labctl/core/metrics.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace labctl {
namespace {

const auto kStart = std::chrono::steady_clock::now();

// The fixed names the smoke tests and alert rules grep for; all start at 0.
const char* const kCounters[] = {
    "app_requests_total", "app_responses_total", "app_errors_total", "app_cache_hits_total",
    "app_cache_misses_total", "app_cache_sets_total", "app_cache_invalidations_total",
    "app_redis_pubsub_publish_total", "app_redis_pubsub_publish_failed_total",
    "app_redis_pubsub_published_recipients_total", "app_redis_pubsub_received_messages_total",
    "app_redis_pubsub_callback_errors_total", "app_metrics_ingest_batches_success_total",
    "app_metrics_ingest_batches_failed_total", "app_metrics_ingest_observations_inserted_total",
    "app_metrics_ingest_observations_duplicate_total", "app_criteria_runs_total",
    "app_criteria_runs_failed_total", "app_criteria_evaluations_error_total", "app_scope_violation_total",
    "app_contract_error_total", "app_retention_cleanup_runs_total",
    "app_retention_cleanup_deleted_rows_total", "app_retention_cleanup_saturation_warnings_total"};

const char* const kZeroGauges[] = {
    "app_sse_connections_total", "app_sse_projects_subscribed", "app_cache_enabled",
    "app_redis_pubsub_subscribed_channels", "app_db_pool_total", "app_db_pool_idle", "app_db_pool_waiting",
    "app_criteria_last_run_duration_ms", "app_retention_cleanup_last_deleted_rows"};

// Upper bounds of the histograms, in seconds: requests, and jobs (which run up to 30 minutes).
const std::vector<double> kLatencyBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
const std::vector<double> kJobBounds = {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800};

double rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  double pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double heap_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  double kb = 0;
  while (status >> key) {
    if (key == "VmData:") {
      status >> kb;
      return kb * 1024;
    }
    status.ignore(256, '\n');
  }
  return 0;
}

std::string number(double v, bool one_decimal = false) {
  char buf[64];
  if (one_decimal)
    std::snprintf(buf, sizeof buf, "%.1f", v);
  else if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A histogram family's series: _bucket per bound and +Inf, _sum, _count.
void render_histogram(std::ostream& out, const std::string& family, const std::string& labels,
                      const std::vector<double>& bounds, const std::vector<double>& buckets, double count, double sum) {
  for (size_t i = 0; i < buckets.size(); ++i)
    out << family << "_bucket{" << labels << ",le=\"" << number(bounds[i]) << "\"} " << number(buckets[i]) << '\n';
  out << family << "_bucket{" << labels << ",le=\"+Inf\"} " << number(count) << '\n'
      << family << "_sum{" << labels << "} " << number(sum) << '\n'
      << family << "_count{" << labels << "} " << number(count) << '\n';
}

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

Metrics::Metrics() {
  for (const char* c : kCounters) counters_[c] = 0;
  for (const char* g : kZeroGauges) gauges_[g] = [] { return 0.0; };
  gauges_["app_process_uptime_seconds"] = [] {
    return std::floor(std::chrono::duration<double>(std::chrono::steady_clock::now() - kStart).count());
  };
  gauges_["app_process_rss_bytes"] = rss_bytes;
  gauges_["app_process_heap_bytes"] = heap_bytes;
}

void Metrics::inc(const std::string& counter, double by) {
  std::lock_guard lock(mu_);
  counters_[counter] += by;
}

void Metrics::inc_labelled(const std::string& family, const std::string& label, const std::string& value) {
  std::lock_guard lock(mu_);
  labelled_[family][{label, value}] += 1;
}

void Metrics::Histogram::add(const std::vector<double>& bounds, double seconds) {
  buckets.resize(bounds.size());
  for (size_t i = 0; i < bounds.size(); ++i) buckets[i] += seconds <= bounds[i];
  count += 1;
  sum_seconds += seconds;
}

void Metrics::observe_route(const std::string& route, int status, double ms) {
  std::lock_guard lock(mu_);
  auto& r = routes_[route];
  r.count += 1;
  r.total_ms += ms;
  r.max_ms = std::max(r.max_ms, ms);
  latency_[{route, std::to_string(status / 100) + "xx"}].add(kLatencyBounds, ms / 1000);
}

void Metrics::observe_job(const std::string& job_type, bool ok, double ms) {
  std::lock_guard lock(mu_);
  auto& j = jobs_[job_type];
  j.min_ms = j.runs == 0 ? ms : std::min(j.min_ms, ms);
  j.max_ms = std::max(j.max_ms, ms);
  j.runs += 1;
  (ok ? j.ok : j.failed) += 1;
  j.total_ms += ms;
  j.duration.add(kJobBounds, ms / 1000);
}

void Metrics::set_labelled(const std::string& family, const std::string& label, const std::string& value, double v) {
  std::lock_guard lock(mu_);
  labelled_[family][{label, value}] = v;
}

void Metrics::set_gauge(const std::string& gauge, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_[gauge] = std::move(read);
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, v] : counters_) out << "# TYPE " << name << " counter\n" << name << ' ' << number(v) << '\n';
  for (const auto& [name, read] : gauges_) out << "# TYPE " << name << " gauge\n" << name << ' ' << number(read()) << '\n';
  for (const auto& [family, series] : labelled_)
    for (const auto& [label, v] : series)
      out << family << '{' << label.first << "=\"" << escape_label(label.second) << "\"} " << number(v) << '\n';
  for (const auto& [route, r] : routes_) {
    std::string l = "{route=\"" + escape_label(route) + "\"}";
    out << "app_route_response_avg_ms" << l << ' ' << number(r.total_ms / r.count, true) << '\n'
        << "app_route_response_max_ms" << l << ' ' << number(r.max_ms, true) << '\n'
        << "app_route_requests_total" << l << ' ' << number(r.count) << '\n';
  }
  if (!latency_.empty()) out << "# TYPE app_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_)
    render_histogram(out, "app_http_request_duration_seconds",
                     "route=\"" + escape_label(key.first) + "\",status_class=\"" + key.second + "\"", kLatencyBounds,
                     h.buckets, h.count, h.sum_seconds);
  for (const auto& [type, j] : jobs_) {
    std::string l = "{job_type=\"" + escape_label(type) + "\"}";
    out << "app_job_runs_total" << l << ' ' << number(j.runs) << '\n'
        << "app_job_runs_ok" << l << ' ' << number(j.ok) << '\n'
        << "app_job_runs_failed" << l << ' ' << number(j.failed) << '\n'
        << "app_job_duration_avg_ms" << l << ' ' << number(j.total_ms / j.runs, true) << '\n'
        << "app_job_duration_max_ms" << l << ' ' << number(j.max_ms, true) << '\n'
        << "app_job_duration_min_ms" << l << ' ' << number(j.min_ms, true) << '\n';
  }
  if (!jobs_.empty()) out << "# TYPE app_job_duration_seconds histogram\n";
  for (const auto& [type, j] : jobs_)
    render_histogram(out, "app_job_duration_seconds", "job_type=\"" + escape_label(type) + "\"", kJobBounds,
                     j.duration.buckets, j.duration.count, j.duration.sum_seconds);
  return out.str();
}

}  // namespace labctl
