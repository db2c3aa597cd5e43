#include "labctl/core/utf8.hpp"

namespace labctl {
namespace {

// Length of the UTF-8 sequence that starts with `lead`; a stray byte counts as one.
size_t sequence_length(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return lead < 0xF8 ? 4 : 1;
}

}  // namespace

// Decodes the code point at `pos` and advances past it; malformed input yields the byte.
char32_t next_code_point(std::string_view s, size_t& pos) {
  auto lead = static_cast<unsigned char>(s[pos]);
  size_t len = sequence_length(lead);
  if (len == 1 || pos + len > s.size()) {
    ++pos;
    return lead;
  }
  char32_t cp = lead & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) {
    auto c = static_cast<unsigned char>(s[pos + i]);
    if ((c & 0xC0) != 0x80) {  // truncated sequence
      ++pos;
      return lead;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  pos += len;
  return cp;
}

// JavaScript's \s / trim() set: the spec's reference normalises with those.
bool is_js_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (size_t pos = 0; pos < s.size(); ++n) next_code_point(s, pos);
  return n;
}

std::string utf8_prefix(std::string_view s, size_t n) {
  size_t pos = 0;
  for (size_t i = 0; i < n && pos < s.size(); ++i) next_code_point(s, pos);
  return std::string(s.substr(0, pos));
}

std::string trim_text(std::string_view s) {
  size_t begin = 0, end = 0;
  bool any = false;
  for (size_t pos = 0; pos < s.size();) {
    size_t at = pos;
    if (!is_js_space(next_code_point(s, pos))) {
      if (!any) begin = at;
      any = true;
      end = pos;
    }
  }
  return any ? std::string(s.substr(begin, end - begin)) : std::string();
}

}  // namespace labctl
