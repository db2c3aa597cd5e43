#pragma once
// Fixed-window request counters (spec/api.md §1.7): a key's first request opens a window of
// `window`; every request in it counts, refused ones too; a request is refused once the count
// exceeds the limit. At most `capacity` keys are tracked: expired windows go first, then the
// oldest ones, so a flood of new keys costs bounded memory and never an unbounded scan.
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace labctl {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(std::chrono::seconds window = std::chrono::seconds(60), size_t capacity = 50000);

  struct Hit {
    bool allowed;
    long long limit;
    long long remaining;  // requests left in the window (0 when refused)
    long long retry_after_seconds;  // until the window closes, at least 1
  };
  Hit hit(const std::string& key, long long limit, Clock::time_point now = Clock::now());

  size_t keys() const;

 private:
  struct Window {
    Clock::time_point opened;
    long long count = 0;
  };
  void forget_expired(Clock::time_point now);  // with mu_ held
  void make_room();                            // with mu_ held

  const std::chrono::seconds window_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Window> windows_;
  std::deque<std::pair<Clock::time_point, std::string>> opened_;  // windows in the order they opened
};

}  // namespace labctl
