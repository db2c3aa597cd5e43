#include "labctl/http/worker_pool.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

namespace labctl::http {

WorkerPool::WorkerPool(size_t min, size_t max, std::chrono::milliseconds idle_exit)
    : min_(std::max<size_t>(min, 1)), max_(std::max(max, std::max<size_t>(min, 1))), idle_exit_(idle_exit) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < min_; ++i) start_thread();
}

WorkerPool::~WorkerPool() { drain(); }

void WorkerPool::start_thread() {
  ++running_;
  threads_.emplace_back([this] { work(); });
}

void WorkerPool::submit(std::function<void()> task) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(task));
  queued_ = queue_.size();
  // Every thread busy (or about to be): one more, up to the bound.
  if (running_ - busy_ < queue_.size() && running_ < max_) start_thread();
  ready_.notify_one();
}

void WorkerPool::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    bool woke = ready_.wait_for(lock, idle_exit_, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (stopping_) break;
      if (!woke && running_ > min_) break;  // idle past idle_exit, above the minimum
      continue;
    }
    auto task = std::move(queue_.front());
    queue_.pop_front();
    queued_ = queue_.size();
    ++busy_;
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("a request task failed: {}", e.what());
    }
    lock.lock();
    --busy_;
  }
  // A thread that ends on its own detaches itself; drain waits for the count instead of a join.
  if (!stopping_)
    for (auto it = threads_.begin(); it != threads_.end(); ++it)
      if (it->get_id() == std::this_thread::get_id()) {
        it->detach();
        threads_.erase(it);
        break;
      }
  if (--running_ == 0) ended_.notify_all();
}

void WorkerPool::drain() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    ready_.notify_all();
    threads.swap(threads_);
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
  std::unique_lock lock(mu_);
  ended_.wait(lock, [&] { return running_ == 0; });
}

WorkerPool::Stats WorkerPool::stats() const {
  std::lock_guard lock(mu_);
  return {running_, busy_, queue_.size()};
}

}  // namespace labctl::http
