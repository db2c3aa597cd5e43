#pragma once
// PostgreSQL LISTEN/NOTIFY: fire-and-forget events between the processes that share a database
// (spec/api.md §5). notify() sends one; a NotificationListener holds one dedicated connection
// that LISTENs on its channels and hands each notification to a callback, reconnecting with
// backoff (and LISTENing again) whenever the connection is lost.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

namespace labctl::db {

// pg_notify(channel, payload) on its own (outside any transaction of `conn`'s caller).
void notify(pqxx::connection& conn, const std::string& channel, const std::string& payload);

class NotificationListener {
 public:
  using Connect = std::function<std::unique_ptr<pqxx::connection>()>;
  using Callback = std::function<void(const std::string& channel, const std::string& payload)>;

  // Starts listening at once, on a thread of its own; the callback runs on that thread.
  NotificationListener(Connect connect, std::vector<std::string> channels, Callback callback,
                       std::chrono::milliseconds max_backoff = std::chrono::seconds(10));
  ~NotificationListener();  // stops
  NotificationListener(const NotificationListener&) = delete;
  NotificationListener& operator=(const NotificationListener&) = delete;

  void stop();
  // Channels LISTENed on right now (0 while reconnecting).
  size_t subscribed() const { return listening_ ? channels_.size() : 0; }
  size_t reconnects() const { return reconnects_; }

 private:
  void run();
  bool wait(std::chrono::milliseconds delay);  // false: stopping

  Connect connect_;
  const std::vector<std::string> channels_;
  Callback callback_;
  const std::chrono::milliseconds max_backoff_;
  std::atomic<bool> stopping_{false}, listening_{false};
  std::atomic<size_t> reconnects_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace labctl::db
