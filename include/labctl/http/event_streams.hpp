#pragma once
// The open Server-Sent Events streams of one `serve` (spec/api.md §5). A worker answers
// GET /events/stream and hands the connection over; from then on this one thread owns it: it
// writes each event of the stream's project, a heartbeat every interval (a `: heartbeat` comment,
// and an unnamed data frame a browser's EventSource delivers), notices the client leave, and
// drops a client that stops reading once its backlog passes the cap. So a thousand idle streams
// cost a thousand sockets and buffers, never a thread each. Writes never block.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace labctl::http {

struct EventStreamLimits {
  size_t per_project = 20;
  size_t total = 500;
  std::chrono::milliseconds heartbeat{25000};
  size_t max_backlog = 256 * 1024;  // unsent bytes before a client that is not reading is dropped
};

class EventStreams {
 public:
  using Close = std::function<void(int fd)>;  // closes a connection for good (the gate's close)

  EventStreams(EventStreamLimits limits, Close close);
  ~EventStreams();  // closes every stream
  EventStreams(const EventStreams&) = delete;
  EventStreams& operator=(const EventStreams&) = delete;

  // A place for one more stream of the project; false at a cap (or shutting down).
  bool reserve(const std::string& project_id);
  // A reservation that will not be adopted (the request failed after all).
  void cancel(const std::string& project_id);
  // The reserved stream: `head` (the response head and first frame) is its first bytes.
  void adopt(int fd, const std::string& project_id, std::string head);
  // `event: NAME` / `data: DATA` to every stream of the project; how many streams it went to.
  size_t publish(const std::string& project_id, const std::string& name, const std::string& data);
  // Each stream gets `frame` (best effort), then is closed; nothing is reserved or adopted after.
  void shutdown(const std::string& frame);

  struct Stats {
    size_t streams, projects;
  };
  Stats stats() const;

 private:
  struct Stream {
    std::string project_id;
    std::string backlog;
    bool waiting_to_write = false;  // EPOLLOUT armed
  };
  void run();
  void heartbeat();
  void append(int fd, Stream& stream, const std::string& bytes);  // with mu_ held; may drop
  bool flush(int fd, Stream& stream);                             // false: the client is gone
  void drop(int fd);                                              // with mu_ held
  void release_slot(const std::string& project_id);               // with mu_ held

  const EventStreamLimits limits_;
  Close close_;
  int epoll_fd_ = -1, wake_fd_ = -1;
  mutable std::mutex mu_;
  std::unordered_map<int, Stream> streams_;
  std::unordered_map<std::string, size_t> slots_;  // per project: reserved and adopted
  size_t total_slots_ = 0;
  bool closing_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace labctl::http
