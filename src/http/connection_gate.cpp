#include "labctl/http/connection_gate.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>

#include "labctl/http/request_head.hpp"

namespace labctl::http {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 16384;

void watch(int epoll_fd, int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

}  // namespace

ConnectionGate::ConnectionGate(int listen_fd, GateLimits limits, Dispatch dispatch, Refusal refusal)
    : listen_fd_(listen_fd), limits_(limits), dispatch_(std::move(dispatch)), refusal_(std::move(refusal)) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error("connection gate: cannot create epoll");
  watch(epoll_fd_, listen_fd_);
  watch(epoll_fd_, wake_fd_);
  thread_ = std::thread([this] { run(); });
}

ConnectionGate::~ConnectionGate() {
  stop();
  if (thread_.joinable()) thread_.join();
  for (auto& c : parked_) close(c.fd);  // handed back after the loop ended
  for (int fd : lingering_) close(fd);
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void ConnectionGate::stop() {
  stopping_ = true;
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

size_t ConnectionGate::held_connections() const {
  std::lock_guard lock(parked_mu_);
  return held_count_;
}

void ConnectionGate::park(Connection connection) {
  {
    std::lock_guard lock(parked_mu_);
    parked_.push_back(std::move(connection));
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void ConnectionGate::linger(int fd) {
  ::shutdown(fd, SHUT_WR);
  {
    std::lock_guard lock(parked_mu_);
    lingering_.push_back(fd);
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void ConnectionGate::close(int fd) {
  ::close(fd);
  --open_;
}

void ConnectionGate::run() {
  std::vector<epoll_event> events(256);
  while (!stopping_) {
    int timeout = -1;
    if (!deadlines_.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadlines_.begin()->first - Clock::now());
      timeout = static_cast<int>(std::clamp<long long>(left.count() + 1, 0, 60000));
    }
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout);
    if (n < 0 && errno != EINTR) {
      spdlog::error("connection gate: epoll_wait failed: {}", std::strerror(errno));
      break;
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[size_t(i)].data.fd;
      if (fd == listen_fd_) {
        accept_all();
      } else if (fd == wake_fd_) {
        std::uint64_t count;
        [[maybe_unused]] auto r = ::read(wake_fd_, &count, sizeof count);
        take_parked();
      } else {
        on_readable(fd);
      }
    }
    expire();
  }
  // Stopped: nothing new is read; what waits here is closed.
  take_parked();
  for (auto& [fd, held] : held_) close(fd);
  held_.clear();
  deadlines_.clear();
  std::lock_guard lock(parked_mu_);
  held_count_ = 0;
}

void ConnectionGate::accept_all() {
  for (;;) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE)
        spdlog::warn("connection gate: out of file descriptors ({} connections open)", open_.load());
      return;  // EAGAIN: all taken
    }
    ++open_;
    if (open_ > limits_.max_connections) {
      refuse(fd, 503, "too many connections");
      continue;
    }
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    hold({fd, "", 0, 0}, Phase::head, Clock::now() + limits_.head_timeout);
  }
}

void ConnectionGate::hold(Connection connection, Phase phase, Clock::time_point deadline) {
  int fd = connection.fd;
  Held& held = held_[fd];
  held.connection = std::move(connection);
  held.phase = phase;
  set_deadline(fd, held, deadline);
  watch(epoll_fd_, fd);
  std::lock_guard lock(parked_mu_);
  held_count_ = held_.size();
}

void ConnectionGate::set_deadline(int fd, Held& held, Clock::time_point deadline) {
  deadlines_.erase({held.deadline, fd});
  held.deadline = deadline;
  deadlines_.insert({deadline, fd});
}

void ConnectionGate::release(int fd) {
  auto it = held_.find(fd);
  if (it == held_.end()) return;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  deadlines_.erase({it->second.deadline, fd});
  held_.erase(it);
  std::lock_guard lock(parked_mu_);
  held_count_ = held_.size();
}

void ConnectionGate::refuse(int fd, int status, const std::string& reason) {
  release(fd);
  // One best-effort answer; a client that is not reading does not get to hold the gate.
  std::string answer = refusal_(status, reason);
  [[maybe_unused]] auto n = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd, SHUT_WR);
  close(fd);
}

void ConnectionGate::on_readable(int fd) {
  auto it = held_.find(fd);
  if (it == held_.end()) return;
  Held& held = it->second;
  if (held.phase == Phase::linger) {  // read and drop until the client is done
    char drop[kReadChunk];
    ssize_t n;
    while ((n = ::recv(fd, drop, sizeof drop, 0)) > 0) {
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      release(fd);
      close(fd);
    }
    return;
  }
  std::string& buffer = held.connection.buffer;
  const size_t cap = limits_.max_head_bytes + limits_.max_body_bytes + kReadChunk;
  for (;;) {
    size_t before = buffer.size();
    buffer.resize(before + kReadChunk);
    ssize_t n = ::recv(fd, buffer.data() + before, kReadChunk, 0);
    buffer.resize(before + (n > 0 ? size_t(n) : 0));
    if (n > 0) {
      if (held.phase == Phase::idle) {  // the next request has begun: it has a head's time
        held.phase = Phase::head;
        set_deadline(fd, held, Clock::now() + limits_.head_timeout);
      }
      if (buffer.size() >= cap) break;  // enough to decide on; the worker reads the rest
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    // Closed (or reset) by the client. A whole request read before the close is still served.
    if (!buffer.empty() && scan_head(buffer, limits_.max_head_bytes).complete) break;
    release(fd);
    close(fd);
    return;
  }
  examine(fd);
}

Readiness assess(Connection& connection, const GateLimits& limits) {
  std::string& buffer = connection.buffer;
  if (buffer.empty()) return {Readiness::partial};
  HeadScan head = scan_head(buffer, limits.max_head_bytes);
  if (head.refuse_status) return {Readiness::refused, head.refuse_status, head.refuse_reason};
  if (!head.complete) return {Readiness::partial};
  // labctl answers JSON whole: a Range request gets the whole answer, never a byte slice of it.
  head.head_bytes -= drop_header(buffer, head.head_bytes, "range");
  connection.head_bytes = head.head_bytes;
  // A Content-Length body within the limit is waited for too, unless the client waits for our
  // 100 Continue first; a chunked body, or one over the limit, is the worker's to read or refuse.
  if (head.content_length && !head.expects_continue && *head.content_length <= limits.max_body_bytes &&
      buffer.size() < head.head_bytes + *head.content_length)
    return {Readiness::body_pending};
  return {Readiness::whole};
}

void ConnectionGate::examine(int fd) {
  Held& held = held_.at(fd);
  Readiness r = assess(held.connection, limits_);
  if (r.state == Readiness::refused) return refuse(fd, r.status, r.reason);
  if (r.state == Readiness::partial) return;
  if (r.state == Readiness::body_pending) {
    if (held.phase != Phase::body) {
      held.phase = Phase::body;
      set_deadline(fd, held, Clock::now() + limits_.body_timeout);
    }
    return;
  }
  Connection connection = std::move(held.connection);
  release(fd);
  dispatch_(std::move(connection));
}

void ConnectionGate::expire() {
  const auto now = Clock::now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    int fd = deadlines_.begin()->second;
    Held& held = held_.at(fd);
    if (held.phase == Phase::idle || held.phase == Phase::linger) {  // nothing more to say: closed quietly
      release(fd);
      close(fd);
    } else {
      refuse(fd, 408, held.phase == Phase::head ? "request headers timed out" : "request body timed out");
    }
  }
}

void ConnectionGate::take_parked() {
  std::vector<Connection> parked;
  std::vector<int> lingering;
  {
    std::lock_guard lock(parked_mu_);
    parked.swap(parked_);
    lingering.swap(lingering_);
  }
  for (int fd : lingering) {
    if (stopping_) close(fd);
    else hold({fd, "", 0, 0}, Phase::linger, Clock::now() + std::chrono::seconds(2));
  }
  for (auto& c : parked) {
    int fd = c.fd;
    if (stopping_) {
      close(fd);
      continue;
    }
    bool pipelined = !c.buffer.empty();
    hold(std::move(c), Phase::idle, Clock::now() + limits_.idle_timeout);
    if (pipelined) {  // the next request (or part of it) came with the last one
      Held& held = held_.at(fd);
      held.phase = Phase::head;
      set_deadline(fd, held, Clock::now() + limits_.head_timeout);
      examine(fd);
    }
  }
}

}  // namespace labctl::http
