#include "labctl/db/connection_pool.hpp"

#include <poll.h>

namespace labctl::db {
namespace {

// An idle connection has nothing to read: a readable socket means the server ended the session
// (a restart, a terminated backend) and the next statement would fail. No round trip.
bool still_open(pqxx::connection& conn) {
  if (!conn.is_open()) return false;
  pollfd p{conn.sock(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

}  // namespace

ConnectionPool::ConnectionPool(Factory factory, size_t size) : factory_(std::move(factory)), size_(size) {}

ConnectionPool::Lease::~Lease() {
  if (pool_ && conn_) pool_->release(std::move(conn_));
}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mu_);
  ++waiting_;
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
  --waiting_;
  while (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    if (still_open(*conn)) return Lease(*this, std::move(conn));
    --open_;  // dropped; a new one is opened below
  }
  ++open_;  // reserve the slot, connect outside the lock
  lock.unlock();
  try {
    return Lease(*this, factory_());
  } catch (...) {
    std::lock_guard relock(mu_);
    --open_;
    cv_.notify_one();
    throw;
  }
}

void ConnectionPool::release(std::unique_ptr<pqxx::connection> conn) {
  std::lock_guard lock(mu_);
  if (conn->is_open())
    idle_.push_back(std::move(conn));
  else
    --open_;
  cv_.notify_one();
}

ConnectionPool::Stats ConnectionPool::stats() const {
  std::lock_guard lock(mu_);
  return {open_, idle_.size(), waiting_};
}

}  // namespace labctl::db
