#pragma once
// A client of GET /events/stream at the socket level, as a browser's EventSource reads it:
// the response head, then one frame at a time (event name, data, comment).
#include <chrono>
#include <optional>
#include <string>

#include "support/raw_client.hpp"

namespace labctl::test {

struct Frame {
  std::string event;    // "" = an unnamed (message) frame
  std::string data;
  std::string comment;  // ": heartbeat"
};

class EventStreamClient {
 public:
  // `credentials`: one header line without CRLF ("Cookie: sid=…" or "X-API-Key: lp_…"), or "".
  EventStreamClient(int port, const std::string& credentials, const std::string& path = "/events/stream");

  int status() const { return status_of(head_); }
  const std::string& head() const { return head_; }
  // The answer's body when it is not a stream (an error envelope).
  std::string error_body(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next frame within `timeout`, or nullopt (timeout, or the server closed the stream).
  std::optional<Frame> next(std::chrono::milliseconds timeout);
  // The next named event, skipping heartbeats and comments.
  std::optional<Frame> next_event(std::chrono::milliseconds timeout);
  RawConnection& connection() { return conn_; }

 private:
  RawConnection conn_;
  std::string head_;
};

}  // namespace labctl::test
