#pragma once
// The health and risk formulas of scheduler-and-intelligence.md §2.1, pure: pressures from
// open signals and overdue issues (failed jobs are reported, not scored), health, and the
// composite risk's severity and probability.
#include <vector>

namespace labctl::intelligence {

struct WeightedSignal {
  int severity;
  double confidence;
};

struct RiskFigures {
  double signal_pressure;      // min(40, Σ severity × confidence / 10)
  double overdue_pressure;     // min(30, 2 × overdue)
  double failed_job_pressure;  // min(20, 3 × failed jobs): operational only, not in the total
  double total;                // signal + overdue pressure
  double health;               // clamp(100 − total, 0, 100)
  int severity;                // clamp(round(total / 20), 1, 5), halves up
  double probability;          // clamp(total / 100, 0, 1)
  double pattern_weight;       // min(1, total / 100)
};

RiskFigures risk_figures(const std::vector<WeightedSignal>& open_signals, long long overdue_issues,
                         long long failed_jobs);

// Rounded to two decimals, halves away from zero (how factors and scores are stored).
double round2(double v);

}  // namespace labctl::intelligence
