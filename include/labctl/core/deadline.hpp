#pragma once
// The time a piece of work must be done by: a scheduled job's timeout (scheduler §1.4), honoured
// cooperatively. Nothing is interrupted from outside; the work asks — the HTTP client caps every
// attempt and wait at what is left, long loops check between units, and a job's connection cuts
// its statements off (statement_timeout) — and stops with the one timeout error.
#include <chrono>

#include "labctl/core/error.hpp"

namespace labctl {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Deadline(std::chrono::milliseconds budget, Clock::time_point start = Clock::now())
      : budget_(budget), at_(start + budget) {}

  bool passed() const { return Clock::now() >= at_; }
  // What is left, never negative.
  std::chrono::milliseconds left() const;
  // Throws error() once passed.
  void check() const;
  // Error(timed_out, "job_timeout", "job timed out after <budget>ms").
  Error error() const;

 private:
  std::chrono::milliseconds budget_;
  Clock::time_point at_;
};

}  // namespace labctl
