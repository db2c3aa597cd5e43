#include "support/event_stream_client.hpp"

#include <cstdlib>
#include <sstream>

namespace labctl::test {

using Clock = std::chrono::steady_clock;

EventStreamClient::EventStreamClient(int port, const std::string& credentials, const std::string& path) : conn_(port) {
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n";
  if (!credentials.empty()) request += credentials + "\r\n";
  conn_.send(request + "\r\n");
  head_ = conn_.read_until("\r\n\r\n", std::chrono::seconds(10));
}

std::string EventStreamClient::error_body(std::chrono::milliseconds timeout) {
  auto at = head_.find("Content-Length: ");
  if (at == std::string::npos) return "";
  size_t length = std::strtoul(head_.c_str() + at + 16, nullptr, 10);
  std::string body;
  auto until = Clock::now() + timeout;
  while (body.size() < length && Clock::now() < until) {
    std::string more = conn_.read_all(std::chrono::milliseconds(100));
    body += more;
  }
  return body;
}

std::optional<Frame> EventStreamClient::next(std::chrono::milliseconds timeout) {
  std::string text = conn_.read_until("\n\n", timeout);
  if (text.empty()) return std::nullopt;
  Frame frame;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("event: ", 0) == 0) frame.event = line.substr(7);
    else if (line.rfind("data: ", 0) == 0) frame.data = line.substr(6);
    else if (line.rfind(":", 0) == 0) frame.comment = line;
  }
  return frame;
}

std::optional<Frame> EventStreamClient::next_event(std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    auto frame = next(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()));
    if (!frame) return std::nullopt;
    if (!frame->event.empty()) return frame;
  }
  return std::nullopt;
}

}  // namespace labctl::test
