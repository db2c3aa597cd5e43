#pragma once
// Process-wide counters and gauges, rendered as Prometheus text (spec/api.md §6).
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace labctl {

// The process's counters: `serve` keeps one for its lifetime and hands it to every request.
class Metrics {
 public:
  Metrics();

  void inc(const std::string& counter, double by = 1);
  // app_response_status_total{status="200"} and the like.
  void inc_labelled(const std::string& family, const std::string& label, const std::string& value);
  void observe_route(const std::string& route, double ms);
  void set_gauge(const std::string& gauge, std::function<double()> read);

  std::string render() const;

 private:
  struct RouteStats {
    double count = 0, total_ms = 0, max_ms = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, double> counters_;
  std::map<std::string, std::function<double()>> gauges_;
  std::map<std::string, std::map<std::pair<std::string, std::string>, double>> labelled_;
  std::map<std::string, RouteStats> routes_;
};

}  // namespace labctl
