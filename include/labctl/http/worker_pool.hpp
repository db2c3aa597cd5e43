#pragma once
// The threads that run requests. It starts with `min` threads and grows, one thread at a time,
// whenever a task arrives with every thread busy, up to `max`; beyond that tasks wait in order.
// A thread above `min` that has been idle for `idle_exit` ends. Only complete requests reach it
// (the connection gate holds idle and slow connections), so `max` bounds the requests that run
// at once, not the connections.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace labctl::http {

class WorkerPool {
 public:
  WorkerPool(size_t min, size_t max, std::chrono::milliseconds idle_exit = std::chrono::seconds(30));
  ~WorkerPool();  // drains: every queued task runs first
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(std::function<void()> task);
  // Runs what is queued, then joins every thread.
  void drain();

  struct Stats {
    size_t threads, busy, queued;
  };
  Stats stats() const;
  // Tasks waiting for a thread, without taking the pool's lock (a worker asks after each request).
  size_t queued() const { return queued_; }

 private:
  void work();
  void start_thread();  // with mu_ held

  const size_t min_, max_;
  const std::chrono::milliseconds idle_exit_;
  mutable std::mutex mu_;
  std::condition_variable ready_, ended_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  size_t running_ = 0, busy_ = 0;
  std::atomic<size_t> queued_{0};  // queue_.size(), written under mu_
  bool stopping_ = false;
};

}  // namespace labctl::http
