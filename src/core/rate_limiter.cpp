#include "labctl/core/rate_limiter.hpp"

#include <algorithm>

namespace labctl {

RateLimiter::RateLimiter(std::chrono::seconds window, size_t capacity)
    : window_(window), capacity_(std::max<size_t>(capacity, 1)) {}

// The front of opened_ is the oldest window opening; an entry whose key has since opened a newer
// window (or been dropped) no longer matches and is skipped.
void RateLimiter::forget_expired(Clock::time_point now) {
  while (!opened_.empty() && opened_.front().first + window_ <= now) {
    auto it = windows_.find(opened_.front().second);
    if (it != windows_.end() && it->second.opened == opened_.front().first) windows_.erase(it);
    opened_.pop_front();
  }
}

void RateLimiter::make_room() {
  while (windows_.size() >= capacity_ && !opened_.empty()) {
    auto it = windows_.find(opened_.front().second);
    if (it != windows_.end() && it->second.opened == opened_.front().first) windows_.erase(it);
    opened_.pop_front();
  }
}

RateLimiter::Hit RateLimiter::hit(const std::string& key, long long limit, Clock::time_point now) {
  std::lock_guard lock(mu_);
  forget_expired(now);
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    make_room();
    it = windows_.emplace(key, Window{now, 0}).first;
    opened_.emplace_back(now, key);
  }
  Window& w = it->second;
  ++w.count;
  auto left = std::chrono::ceil<std::chrono::seconds>(w.opened + window_ - now).count();
  return {w.count <= limit, limit, std::max(0LL, limit - w.count), std::max<long long>(1, left)};
}

size_t RateLimiter::keys() const {
  std::lock_guard lock(mu_);
  return windows_.size();
}

}  // namespace labctl
