#include "labctl/http/request_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace labctl::http {
namespace {

constexpr size_t kRefill = 16384;

// Waits for `events` until `until`; false on timeout or error.
bool wait_for(int fd, short events, RequestStream::Clock::time_point until) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - RequestStream::Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000 * 60)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
    port = ntohs(a.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
    port = ntohs(a.sin6_port);
  }
  ip = text;
}

}  // namespace

RequestStream::RequestStream(int fd, std::string buffered, size_t max_request_bytes, Clock::time_point read_deadline,
                             std::chrono::milliseconds write_timeout)
    : fd_(fd), buffer_(std::move(buffered)), max_bytes_(max_request_bytes), read_deadline_(read_deadline),
      write_timeout_(write_timeout) {}

bool RequestStream::is_readable() const {
  if (offset_ < buffer_.size()) return true;
  return wait_for(fd_, POLLIN, read_deadline_);
}

bool RequestStream::is_writable() const {
  // Not httplib's "is the peer still there" probe: a client that half-closed after sending its
  // request still reads the answer.
  return wait_for(fd_, POLLOUT, Clock::now() + write_timeout_);
}

ssize_t RequestStream::read(char* ptr, size_t size) {
  if (broken_) return -1;
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
    buffer_.resize(kRefill);
    for (;;) {
      ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
      if (n > 0) {
        buffer_.resize(size_t(n));
        break;
      }
      if (n == 0) {  // the client closed its side before the request was whole
        buffer_.clear();
        broken_ = true;
        return 0;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        buffer_.clear();
        broken_ = true;
        return -1;
      }
      if (!wait_for(fd_, POLLIN, read_deadline_)) {
        buffer_.clear();
        timed_out_ = broken_ = true;
        return -1;
      }
    }
  }
  size_t n = std::min(size, buffer_.size() - offset_);
  if (taken_ + n > max_bytes_) {
    too_large_ = broken_ = true;
    return -1;
  }
  std::memcpy(ptr, buffer_.data() + offset_, n);
  offset_ += n;
  taken_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t RequestStream::write(const char* ptr, size_t size) {
  if (write_failed_) return -1;  // after a failed read there is still an answer to give
  if (diverted_) return static_cast<ssize_t>(size);
  size_t sent = 0;
  const auto deadline = Clock::now() + write_timeout_;
  while (sent < size) {
    ssize_t n = ::send(fd_, ptr + sent, size - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(fd_, POLLOUT, deadline)) continue;
    broken_ = write_failed_ = true;  // gone, or not reading its answer within the write timeout
    return -1;
  }
  return static_cast<ssize_t>(size);
}

void RequestStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, ip, port);
}

void RequestStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, ip, port);
}

std::string RequestStream::take_unread() {
  std::string rest = buffer_.substr(offset_);
  buffer_.clear();
  offset_ = 0;
  return rest;
}

}  // namespace labctl::http
