#include "labctl/http/request_head.hpp"

#include <charconv>

#include "labctl/core/utf8.hpp"

namespace labctl::http {
namespace {

bool same_name(std::string_view a, std::string_view b) { return ascii_lower(a) == ascii_lower(b); }

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

HeadScan refused(int status, std::string reason) {
  HeadScan scan;
  scan.refuse_status = status;
  scan.refuse_reason = std::move(reason);
  return scan;
}

}  // namespace

HeadScan scan_head(std::string_view buffer, size_t max_head_bytes) {
  // Clients may send stray CRLFs between requests (RFC 9112 §2.2): they are skipped by httplib's
  // reader too, so they count as part of this head.
  size_t end = buffer.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (buffer.size() > max_head_bytes) return refused(431, "request headers too large");
    return {};
  }
  HeadScan scan;
  scan.complete = true;
  scan.head_bytes = end + 4;
  if (scan.head_bytes > max_head_bytes) return refused(431, "request headers too large");
  std::string_view head = buffer.substr(0, end + 2);
  size_t lengths = 0;
  bool has_transfer_encoding = false;
  for (size_t pos = head.find("\r\n") + 2; pos < head.size();) {
    size_t eol = head.find("\r\n", pos);
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // httplib refuses it with 400
    std::string_view name = line.substr(0, colon), value = trimmed(line.substr(colon + 1));
    if (same_name(name, "content-length")) {
      size_t n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || p != value.data() + value.size() || value.empty())
        return refused(400, "malformed Content-Length");
      if (++lengths > 1 && scan.content_length != n) return refused(400, "conflicting Content-Length headers");
      scan.content_length = n;
    } else if (same_name(name, "transfer-encoding")) {
      has_transfer_encoding = true;
      if (!same_name(value, "chunked")) return refused(501, "only chunked Transfer-Encoding is served");
      scan.chunked = true;
    } else if (same_name(name, "expect")) {
      scan.expects_continue = same_name(value, "100-continue");
    }
  }
  if (has_transfer_encoding && scan.content_length)
    return refused(400, "Content-Length and Transfer-Encoding together");  // a smuggling vector
  return scan;
}

size_t drop_header(std::string& buffer, size_t head_bytes, std::string_view name) {
  size_t removed = 0;
  size_t pos = buffer.find("\r\n") + 2;
  while (pos < head_bytes - removed - 2) {
    size_t eol = buffer.find("\r\n", pos);
    std::string_view line(buffer.data() + pos, eol - pos);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && same_name(line.substr(0, colon), name)) {
      buffer.erase(pos, eol + 2 - pos);
      removed += eol + 2 - pos;
    } else {
      pos = eol + 2;
    }
  }
  return removed;
}

}  // namespace labctl::http
