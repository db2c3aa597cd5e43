#include "labctl/db/notifications.hpp"

#include <spdlog/spdlog.h>

namespace labctl::db {
namespace {

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& conn, const std::string& channel, const NotificationListener::Callback& callback)
      : pqxx::notification_receiver(conn, channel), callback_(callback) {}
  void operator()(const std::string& payload, int) override { callback_(channel(), payload); }

 private:
  const NotificationListener::Callback& callback_;
};

}  // namespace

void notify(pqxx::connection& conn, const std::string& channel, const std::string& payload) {
  pqxx::nontransaction(conn).exec_params("SELECT pg_notify($1, $2)", channel, payload);
}

NotificationListener::NotificationListener(Connect connect, std::vector<std::string> channels, Callback callback,
                                           std::chrono::milliseconds max_backoff)
    : connect_(std::move(connect)), channels_(std::move(channels)), callback_(std::move(callback)),
      max_backoff_(max_backoff) {
  thread_ = std::thread([this] { run(); });
}

NotificationListener::~NotificationListener() {
  stop();
  if (thread_.joinable()) thread_.join();
}

void NotificationListener::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
}

bool NotificationListener::wait(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  return !wake_.wait_for(lock, delay, [&] { return stopping_.load(); });
}

void NotificationListener::run() {
  std::chrono::milliseconds backoff(250);
  while (!stopping_) {
    try {
      auto conn = connect_();
      std::vector<std::unique_ptr<Receiver>> receivers;
      for (const auto& channel : channels_) receivers.push_back(std::make_unique<Receiver>(*conn, channel, callback_));
      conn->get_notifs();  // the LISTENs are sent with the first call
      listening_ = true;
      backoff = std::chrono::milliseconds(250);
      while (!stopping_) conn->await_notification(0, 200000);  // wakes to notice stop()
      listening_ = false;
      return;
    } catch (const std::exception& e) {
      listening_ = false;
      if (stopping_) return;
      ++reconnects_;
      spdlog::warn("event listener: connection lost ({}); reconnecting in {} ms", e.what(), backoff.count());
    }
    if (!wait(backoff)) return;
    backoff = std::min(backoff * 2, max_backoff_);
  }
}

}  // namespace labctl::db
