#include "labctl/domains/intelligence/risk_model.hpp"

#include <algorithm>
#include <cmath>

namespace labctl::intelligence {

double round2(double v) {
  // Through a decimal string's precision: 0.685 stored as 0.68499… still rounds up.
  double scaled = std::round(v * 100.0 * (1 + 1e-12));
  return scaled / 100.0 + 0.0;
}

RiskFigures risk_figures(const std::vector<WeightedSignal>& open_signals, long long overdue_issues, long long failed_jobs) {
  double weighted = 0;
  for (const auto& s : open_signals) weighted += s.severity * s.confidence;
  RiskFigures f{};
  f.signal_pressure = std::min(40.0, weighted / 10.0);
  f.overdue_pressure = std::min(30.0, 2.0 * static_cast<double>(overdue_issues));
  f.failed_job_pressure = std::min(20.0, 3.0 * static_cast<double>(failed_jobs));
  f.total = f.signal_pressure + f.overdue_pressure;
  f.health = std::clamp(100.0 - f.total, 0.0, 100.0);
  f.severity = static_cast<int>(std::clamp(std::floor(f.total / 20.0 + 0.5), 1.0, 5.0));
  f.probability = std::clamp(f.total / 100.0, 0.0, 1.0);
  f.pattern_weight = std::min(1.0, f.total / 100.0);
  return f;
}

}  // namespace labctl::intelligence
