#pragma once
// Process-wide counters and gauges, rendered as Prometheus text (spec/api.md §6).
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace labctl {

// The process's counters: `serve` keeps one for its lifetime and hands it to every request.
class Metrics {
 public:
  Metrics();

  void inc(const std::string& counter, double by = 1);
  // app_response_status_total{status="200"} and the like.
  void inc_labelled(const std::string& family, const std::string& label, const std::string& value);
  // One answered request: app_route_* (api.md §6) and the latency histogram
  // app_http_request_duration_seconds{route, status_class}.
  void observe_route(const std::string& route, int status, double ms);
  void set_gauge(const std::string& gauge, std::function<double()> read);
  // A labelled gauge's value: app_retention_cleanup_lag_days{table="search_analytics"}.
  void set_labelled(const std::string& family, const std::string& label, const std::string& value, double v);
  // One scheduled job's run in this process (scheduler §1.7): app_job_runs_total|ok|failed{job_type},
  // app_job_duration_avg_ms|max_ms|min_ms{job_type} and the histogram app_job_duration_seconds{job_type}.
  void observe_job(const std::string& job_type, bool ok, double ms);

  std::string render() const;

 private:
  struct RouteStats {
    double count = 0, total_ms = 0, max_ms = 0;
  };
  struct Histogram {
    std::vector<double> buckets;  // cumulative counts per upper bound
    double count = 0, sum_seconds = 0;
    void add(const std::vector<double>& bounds, double seconds);
  };
  struct JobStats {
    double runs = 0, ok = 0, failed = 0, total_ms = 0, min_ms = 0, max_ms = 0;
    Histogram duration;
  };
  mutable std::mutex mu_;
  std::map<std::string, double> counters_;
  std::map<std::string, std::function<double()>> gauges_;
  std::map<std::string, std::map<std::pair<std::string, std::string>, double>> labelled_;
  std::map<std::string, RouteStats> routes_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;  // (route, status class)
  std::map<std::string, JobStats> jobs_;
};

}  // namespace labctl
