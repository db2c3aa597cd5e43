#pragma once
// A fixed-size pool of PostgreSQL connections for `serve`. A connection the server has closed
// while it sat idle (a database restart) is replaced before anyone gets it, so a restart costs
// no request a 503; one that breaks in use is dropped when it comes back.
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <vector>

namespace labctl::db {

class ConnectionPool {
 public:
  using Factory = std::function<std::unique_ptr<pqxx::connection>()>;
  ConnectionPool(Factory factory, size_t size);

  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(&pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& operator*() { return *conn_; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
  };

  Lease acquire();

  struct Stats {
    size_t total, idle, waiting;
  };
  Stats stats() const;

 private:
  void release(std::unique_ptr<pqxx::connection> conn);

  Factory factory_;
  size_t size_;
  size_t open_ = 0;  // connections that exist (idle or leased)
  size_t waiting_ = 0;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace labctl::db
