#include "labctl/core/utf8.hpp"

#include <clocale>
#include <cstdio>
#include <cwctype>
#include <locale.h>

namespace labctl {
namespace {

// Length of the UTF-8 sequence that starts with `lead`; a stray byte counts as one.
size_t sequence_length(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return lead < 0xF8 ? 4 : 1;
}

// The code point at `pos` when it is well formed (advancing past it), else nothing moves.
bool well_formed_at(std::string_view s, size_t& pos, char32_t& out) {
  static constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};  // no overlong forms
  auto lead = static_cast<unsigned char>(s[pos]);
  if (lead < 0x80) {
    out = lead;
    ++pos;
    return true;
  }
  size_t len = sequence_length(lead);
  if (len == 1 || lead < 0xC2 || pos + len > s.size()) return false;
  char32_t cp = lead & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) {
    auto c = static_cast<unsigned char>(s[pos + i]);
    if ((c & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  out = cp;
  pos += len;
  return true;
}

// Maps every well-formed code point through `f`, keeping malformed bytes as they are.
template <typename F>
std::string map_code_points(std::string_view s, F f) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    char32_t cp = 0;
    size_t at = pos;
    if (well_formed_at(s, pos, cp))
      append_utf8(out, f(cp));
    else
      out += s[at], pos = at + 1;
  }
  return out;
}

// glibc's C.UTF-8 locale carries Unicode's case tables whatever the process locale is.
locale_t unicode_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

bool is_bidi_control(char32_t c) { return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069); }

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

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool valid_utf8(std::string_view s) {
  char32_t cp = 0;
  for (size_t pos = 0; pos < s.size();)
    if (!well_formed_at(s, pos, cp)) return false;
  return true;
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

std::vector<std::string> comma_items(std::string_view s) {
  std::vector<std::string> out;
  for (size_t start = 0; start <= s.size();) {
    size_t end = std::min(s.find(',', start), s.size());
    out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
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

char32_t to_lower(char32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
  locale_t loc = unicode_locale();
  if (!loc || cp > 0x10FFFF) return cp;
  auto lower = static_cast<char32_t>(towlower_l(static_cast<wint_t>(cp), loc));
  return lower == 0 ? cp : lower;
}

std::string to_lower(std::string_view s) {
  return map_code_points(s, [](char32_t cp) { return to_lower(cp); });
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return out;
}

std::string storable_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    char32_t cp = 0;
    size_t at = pos;
    if (!well_formed_at(s, pos, cp)) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      pos = at + 1;
    } else if (cp != 0) {
      out.append(s.substr(at, pos - at));
    }
  }
  return out;
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  char buf[16];
  for (size_t pos = 0; pos < s.size();) {
    size_t at = pos;
    char32_t cp = next_code_point(s, pos);
    bool c0 = cp < 0x20 || cp == 0x7F;
    bool c1 = cp >= 0x80 && cp < 0xA0 && pos - at > 1;  // a decoded U+0080..U+009F, not a stray byte
    if (c0 && (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f')) {
      out += ' ';
    } else if (c0 || c1 || cp == 0x2028 || cp == 0x2029 || is_bidi_control(cp)) {
      std::snprintf(buf, sizeof buf, cp < 0x100 ? "\\x%02x" : "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
    } else if (pos - at == 1 && cp >= 0x80) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));  // a malformed byte
      out += buf;
    } else {
      out.append(s.substr(at, pos - at));
    }
  }
  return out;
}

}  // namespace labctl
