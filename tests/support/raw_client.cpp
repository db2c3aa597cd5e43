#include "support/raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace labctl::test {
namespace {

using Clock = std::chrono::steady_clock;

bool readable(int fd, Clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  if (left < 0) left = 0;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(left)) > 0;
}

}  // namespace

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
  int yes = 1;
  if (fd_ >= 0) setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

RawConnection::RawConnection(RawConnection&& other) noexcept : fd_(other.fd_), pending_(std::move(other.pending_)) {
  other.fd_ = -1;
}

bool RawConnection::send(const std::string& bytes) {
  size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += size_t(n);
  }
  return fd_ >= 0;
}

void RawConnection::shut_write() { ::shutdown(fd_, SHUT_WR); }

std::string RawConnection::read_all(std::chrono::milliseconds timeout) {
  std::string out = std::move(pending_);
  pending_.clear();
  auto until = Clock::now() + timeout;
  char buf[65536];
  while (readable(fd_, until)) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}

std::string RawConnection::read_response(std::chrono::milliseconds timeout, bool head_only) {
  auto until = Clock::now() + timeout;
  char buf[65536];
  for (;;) {
    size_t head_end = pending_.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      size_t length = 0;
      for (const char* name : {"Content-Length: ", "content-length: "})
        if (auto at = pending_.find(name); at != std::string::npos && at < head_end)
          length = std::strtoul(pending_.c_str() + at + 16, nullptr, 10);
      size_t total = head_end + 4 + (head_only ? 0 : length);
      if (pending_.size() >= total) {
        std::string response = pending_.substr(0, total);
        pending_.erase(0, total);
        return response;
      }
    }
    if (!readable(fd_, until)) return "";
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return "";
    pending_.append(buf, size_t(n));
  }
}

std::string RawConnection::read_until(const std::string& delimiter, std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  char buf[65536];
  for (;;) {
    if (size_t at = pending_.find(delimiter); at != std::string::npos) {
      std::string out = pending_.substr(0, at + delimiter.size());
      pending_.erase(0, at + delimiter.size());
      return out;
    }
    if (!readable(fd_, until)) return "";
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return "";
    pending_.append(buf, size_t(n));
  }
}

bool RawConnection::closed_by_server(std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  char buf[4096];
  while (readable(fd_, until)) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    if (n < 0) return false;
  }
  return false;
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.c_str() + 9);
}

std::string body_of_response(const std::string& response) {
  size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

}  // namespace labctl::test
