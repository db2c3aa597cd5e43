#pragma once
// UTF-8 text cut by characters (code points), never inside one.
#include <string>
#include <string_view>

namespace labctl {

// The first `chars` code points of `s` (all of it when shorter).
inline std::string utf8_prefix(std::string_view s, size_t chars) {
  size_t pos = 0;
  for (size_t n = 0; pos < s.size() && n < chars; ++n) {
    auto c = static_cast<unsigned char>(s[pos]);
    pos += c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  }
  return std::string(s.substr(0, std::min(pos, s.size())));
}

}  // namespace labctl
