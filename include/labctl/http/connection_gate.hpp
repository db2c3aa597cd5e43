#pragma once
// The one thread that owns every connection no worker is serving. It accepts, reads each request
// until it is whole (its head, and a Content-Length body), and only then hands the connection to
// a worker; between requests a keep-alive connection comes back here. So a client that connects
// and says nothing, trickles its headers a byte every few seconds, or idles between requests
// costs a file descriptor and a few bytes, never a thread: the workers only run requests.
//
// Deadlines: a new connection must deliver a whole head within `head_timeout`; an idle keep-alive
// connection is closed after `idle_timeout` without a byte, and has `head_timeout` from its first
// byte; a Content-Length body must follow its head within `body_timeout`. Past a deadline, or with
// a head the gate refuses (431 too large, 400 ambiguous framing, 501 unknown coding), the client
// gets one short answer and the connection is closed. `max_connections` bounds what it holds.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace labctl::http {

struct GateLimits {
  std::chrono::milliseconds head_timeout{10000};
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds body_timeout{30000};
  size_t max_head_bytes = 32768;
  size_t max_body_bytes = 65536;
  size_t max_connections = 10000;
};

// A connection between the gate and a worker: its socket, the bytes read so far (a whole
// request's head at least), and how many requests it has carried.
struct Connection {
  int fd = -1;
  std::string buffer;
  size_t served = 0;
  size_t head_bytes = 0;  // of the request at the start of buffer
};

// What the bytes a connection has sent so far amount to: a partial head, a head whose
// Content-Length body is still coming, a head the gate refuses (status and reason), or a whole
// request a worker can serve (its head_bytes set, a Range header dropped).
struct Readiness {
  enum State { partial, body_pending, refused, whole } state;
  int status = 0;
  std::string reason;
};
Readiness assess(Connection& connection, const GateLimits& limits);

class ConnectionGate {
 public:
  using Dispatch = std::function<void(Connection)>;
  // The answer a refused or timed-out connection gets: status and reason → the whole response.
  using Refusal = std::function<std::string(int status, const std::string& reason)>;

  ConnectionGate(int listen_fd, GateLimits limits, Dispatch dispatch, Refusal refusal);
  ~ConnectionGate();  // stops
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  // After a response: wait here for the connection's next request (any thread).
  void park(Connection connection);
  // A connection that is done (any thread): closed and forgotten.
  void close(int fd);
  // A connection done while its client may still be sending (after a 413, say): our side is shut,
  // and what still arrives is read and dropped for up to two seconds before the close, so the
  // client reads our last answer instead of a connection reset.
  void linger(int fd);
  // Stops accepting and reading; closes what it holds. Connections with workers stay theirs.
  void stop();

  size_t open_connections() const { return open_; }
  size_t held_connections() const;

 private:
  enum class Phase { head, body, idle, linger };
  struct Held {
    Connection connection;
    Phase phase = Phase::head;
    std::chrono::steady_clock::time_point deadline;
    size_t body_bytes = 0;  // Content-Length, in phase body
  };

  void run();
  void accept_all();
  void on_readable(int fd);
  void examine(int fd);  // a request whole? hand it over; refused? answer and close
  void hold(Connection connection, Phase phase, std::chrono::steady_clock::time_point deadline);
  void set_deadline(int fd, Held& held, std::chrono::steady_clock::time_point deadline);
  void release(int fd);  // out of the gate's hands (to a worker, or closed)
  void refuse(int fd, int status, const std::string& reason);
  void expire();
  void take_parked();

  const int listen_fd_;
  const GateLimits limits_;
  Dispatch dispatch_;
  Refusal refusal_;
  int epoll_fd_ = -1, wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};
  std::map<int, Held> held_;
  std::set<std::pair<std::chrono::steady_clock::time_point, int>> deadlines_;
  mutable std::mutex parked_mu_;
  std::vector<Connection> parked_;
  std::vector<int> lingering_;  // handed over by linger(), under parked_mu_
  size_t held_count_ = 0;  // held_.size(), under parked_mu_ for other threads
  std::thread thread_;
};

}  // namespace labctl::http
