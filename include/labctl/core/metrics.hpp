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

  std::string render() const;

 private:
  struct RouteStats {
    double count = 0, total_ms = 0, max_ms = 0;
  };
  struct Histogram {
    std::vector<double> buckets;  // cumulative counts per upper bound (kLatencyBounds)
    double count = 0, sum_seconds = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, double> counters_;
  std::map<std::string, std::function<double()>> gauges_;
  std::map<std::string, std::map<std::pair<std::string, std::string>, double>> labelled_;
  std::map<std::string, RouteStats> routes_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;  // (route, status class)
};

}  // namespace labctl
