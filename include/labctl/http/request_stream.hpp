#pragma once
// One connection as cpp-httplib reads and writes it while a worker serves one request: first the
// bytes the gate already received, then the socket. Unlike httplib's own socket stream it has
// a deadline for the whole request (a client sending a byte every few seconds runs out of time,
// however slowly it trickles), a cap on the bytes a request may take in any framing, a write
// deadline, and it can write to a client that has half-closed its side. What it read beyond the
// request (a pipelined next one) is handed back with the connection.
#include <httplib.h>

#include <chrono>
#include <string>

namespace labctl::http {

class RequestStream : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  // `buffered`: what the gate read (at least this request's head). `max_request_bytes`: head,
  // framing and body together; `read_deadline`: when the request must have arrived whole.
  RequestStream(int fd, std::string buffered, size_t max_request_bytes, Clock::time_point read_deadline,
                std::chrono::milliseconds write_timeout);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  // Why reading stopped early, if it did.
  bool too_large() const { return too_large_; }
  bool timed_out() const { return timed_out_; }
  // The connection can carry no further request (a read or write failed, or was cut short).
  bool broken() const { return broken_; }
  // Bytes received but not read: the start of the next request.
  std::string take_unread();
  // The request is answered elsewhere (an event stream): what httplib writes from now on is dropped.
  void divert() { diverted_ = true; }

 private:
  int fd_;
  std::string buffer_;
  size_t offset_ = 0;       // next unread byte of buffer_
  size_t taken_ = 0;        // bytes handed to httplib so far
  size_t max_bytes_;
  Clock::time_point read_deadline_;
  std::chrono::milliseconds write_timeout_;
  bool too_large_ = false, timed_out_ = false, broken_ = false, write_failed_ = false, diverted_ = false;
};

}  // namespace labctl::http
