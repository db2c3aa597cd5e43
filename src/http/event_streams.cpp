#include "labctl/http/event_streams.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <unordered_set>
#include <vector>

#include "labctl/core/iso_time.hpp"

namespace labctl::http {
namespace {

using Clock = std::chrono::steady_clock;

std::string heartbeat_frames() {
  return ": heartbeat\n\ndata: {\"type\":\"heartbeat\",\"at\":\"" + iso_now() + "\"}\n\n";
}

}  // namespace

EventStreams::EventStreams(EventStreamLimits limits, Close close) : limits_(limits), close_(std::move(close)) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error("event streams: cannot create epoll");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { run(); });
}

EventStreams::~EventStreams() {
  shutdown("");
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

bool EventStreams::reserve(const std::string& project_id) {
  std::lock_guard lock(mu_);
  size_t& mine = slots_[project_id];
  if (closing_ || mine >= limits_.per_project || total_slots_ >= limits_.total) {
    if (mine == 0) slots_.erase(project_id);
    return false;
  }
  ++mine;
  ++total_slots_;
  return true;
}

void EventStreams::cancel(const std::string& project_id) {
  std::lock_guard lock(mu_);
  release_slot(project_id);
}

void EventStreams::release_slot(const std::string& project_id) {
  auto it = slots_.find(project_id);
  if (it == slots_.end()) return;
  --total_slots_;
  if (--it->second == 0) slots_.erase(it);
}

void EventStreams::adopt(int fd, const std::string& project_id, std::string head) {
  std::lock_guard lock(mu_);
  if (closing_) {
    release_slot(project_id);
    close_(fd);
    return;
  }
  Stream& stream = streams_[fd];
  stream.project_id = project_id;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  append(fd, stream, head);
}

size_t EventStreams::publish(const std::string& project_id, const std::string& name, const std::string& data) {
  const std::string frame = "event: " + name + "\ndata: " + data + "\n\n";
  std::lock_guard lock(mu_);
  std::vector<int> targets;
  for (auto& [fd, stream] : streams_)
    if (stream.project_id == project_id) targets.push_back(fd);
  for (int fd : targets) append(fd, streams_.at(fd), frame);
  return targets.size();
}

void EventStreams::append(int fd, Stream& stream, const std::string& bytes) {
  stream.backlog += bytes;
  if (stream.backlog.size() > limits_.max_backlog || !flush(fd, stream)) drop(fd);
}

bool EventStreams::flush(int fd, Stream& stream) {
  while (!stream.backlog.empty()) {
    ssize_t n = ::send(fd, stream.backlog.data(), stream.backlog.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      stream.backlog.erase(0, size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;
  }
  bool want = !stream.backlog.empty();
  if (want != stream.waiting_to_write) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
    stream.waiting_to_write = want;
  }
  return true;
}

void EventStreams::drop(int fd) {
  auto it = streams_.find(fd);
  if (it == streams_.end()) return;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  release_slot(it->second.project_id);
  streams_.erase(it);
  close_(fd);
}

void EventStreams::heartbeat() {
  const std::string frames = heartbeat_frames();
  std::lock_guard lock(mu_);
  std::vector<int> fds;
  for (auto& [fd, stream] : streams_) fds.push_back(fd);
  for (int fd : fds) append(fd, streams_.at(fd), frames);
}

void EventStreams::run() {
  std::vector<epoll_event> events(256);
  auto next_beat = Clock::now() + limits_.heartbeat;
  while (!stopping_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_beat - Clock::now()).count();
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), static_cast<int>(std::max(0LL, (long long)left)));
    for (int i = 0; i < n; ++i) {
      int fd = events[size_t(i)].data.fd;
      if (fd == wake_fd_) continue;
      std::lock_guard lock(mu_);
      auto it = streams_.find(fd);
      if (it == streams_.end()) continue;
      if (events[size_t(i)].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        // A stream's client has nothing to say: whatever it sends is dropped; its close ends the stream.
        char drop_buf[4096];
        ssize_t r;
        while ((r = ::recv(fd, drop_buf, sizeof drop_buf, MSG_DONTWAIT)) > 0) {
        }
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          drop(fd);
          continue;
        }
      }
      if ((events[size_t(i)].events & EPOLLOUT) && !flush(fd, it->second)) drop(fd);
    }
    if (Clock::now() >= next_beat) {
      heartbeat();
      next_beat = Clock::now() + limits_.heartbeat;
    }
  }
}

void EventStreams::shutdown(const std::string& frame) {
  {
    std::lock_guard lock(mu_);
    if (!closing_) {
      closing_ = true;
      for (auto& [fd, stream] : streams_) {
        if (!frame.empty()) {
          stream.backlog += frame;
          flush(fd, stream);
        }
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
        ::shutdown(fd, SHUT_WR);
        close_(fd);
      }
      streams_.clear();
      slots_.clear();
      total_slots_ = 0;
    }
  }
  stopping_ = true;
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

EventStreams::Stats EventStreams::stats() const {
  std::lock_guard lock(mu_);
  std::unordered_set<std::string> projects;
  for (const auto& [fd, stream] : streams_) projects.insert(stream.project_id);
  return {streams_.size(), projects.size()};
}

}  // namespace labctl::http
