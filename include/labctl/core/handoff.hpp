#pragma once
// Hands items from one producer thread to one consumer, with at most `capacity` waiting, so
// fetching the next page overlaps writing this one without reading ahead without bound.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace labctl {

template <typename T>
class Handoff {
 public:
  explicit Handoff(size_t capacity) : capacity_(capacity) {}

  // Blocks while full; false when the consumer has stopped (the item is dropped).
  bool push(T item) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return items_.size() < capacity_ || stopped_; });
    if (stopped_) return false;
    items_.push_back(std::move(item));
    changed_.notify_all();
    return true;
  }

  // Blocks while empty; nullopt once the producer is done and everything was taken.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    changed_.notify_all();
    return item;
  }

  void close() {  // producer: no more items
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

  void stop() {  // consumer: take no more items
    std::lock_guard lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
  }

 private:
  size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<T> items_;
  bool closed_ = false, stopped_ = false;
};

}  // namespace labctl
