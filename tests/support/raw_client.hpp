#pragma once
// HTTP at the socket level, for what a well-behaved client library will not do: trickle a
// request byte by byte, stop halfway, pipeline, half-close, or hold a connection open idle.
#include <chrono>
#include <string>

namespace labctl::test {

// A TCP connection to 127.0.0.1:port; closed by the destructor.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(RawConnection&& other) noexcept;
  RawConnection(const RawConnection&) = delete;

  bool send(const std::string& bytes);  // false when the server has closed
  void shut_write();                    // half-close: no more bytes from us
  // Everything until the server closes or `timeout` passes.
  std::string read_all(std::chrono::milliseconds timeout);
  // One response (head and Content-Length body; only the head for a HEAD request's), or "" on
  // timeout or close.
  std::string read_response(std::chrono::milliseconds timeout, bool head_only = false);
  // Everything up to and including the first `delimiter` (the rest is kept for the next read),
  // or "" on timeout or close.
  std::string read_until(const std::string& delimiter, std::chrono::milliseconds timeout);
  // The server closed its side (a read sees end of file) within `timeout`.
  bool closed_by_server(std::chrono::milliseconds timeout);
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  std::string pending_;  // read past the last response
};

// The status code of a response ("HTTP/1.1 200 OK…" → 200); 0 for anything else.
int status_of(const std::string& response);
// The body of a response (after the blank line).
std::string body_of_response(const std::string& response);

}  // namespace labctl::test
