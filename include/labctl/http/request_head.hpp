#pragma once
// The head of an HTTP/1.1 request as the connection gate needs it: where it ends, how its body is
// framed, and whether it is acceptable at all. Pure functions over the bytes received so far.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace labctl::http {

struct HeadScan {
  bool complete = false;         // the blank line after the headers has arrived
  size_t head_bytes = 0;         // request line + headers + blank line, when complete
  std::optional<size_t> content_length;
  bool chunked = false;          // Transfer-Encoding: chunked
  bool expects_continue = false; // Expect: 100-continue (the body waits for our 100)
  // When the head must be refused: the status (400, 431, 501) and a one-line reason.
  int refuse_status = 0;
  std::string refuse_reason;
};

// Scans `buffer` (the bytes of a connection, starting at a request). A head that is still
// incomplete but already longer than `max_head_bytes` is refused with 431; so is a complete one.
// Refused with 400: Content-Length and Transfer-Encoding together, several or malformed
// Content-Lengths; with 501: a Transfer-Encoding other than chunked.
HeadScan scan_head(std::string_view buffer, size_t max_head_bytes);

// Removes every header line named `name` (case-insensitive) from the head at the start of
// `buffer` (which must be complete), e.g. Range, which labctl does not serve. Returns the bytes
// removed.
size_t drop_header(std::string& buffer, size_t head_bytes, std::string_view name);

}  // namespace labctl::http
