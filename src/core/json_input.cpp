#include "labctl/core/json_input.hpp"

#include <algorithm>
#include <vector>

namespace labctl {
namespace {

bool hex4(std::string_view s, size_t at, unsigned& out) {
  if (at + 4 > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + 4; ++i) {
    char c = s[i];
    unsigned d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
    if (d == 16) return false;
    out = out * 16 + d;
  }
  return true;
}

// One pass over the text: the deepest nesting outside strings, and the positions of \u escapes
// that are lone surrogates (each replaced afterwards).
struct Scan {
  size_t depth = 0;
  std::vector<size_t> lone_surrogates;  // offset of the backslash
};

Scan scan(std::string_view s, size_t max_depth) {
  Scan out;
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '"') {
        in_string = false;
      } else if (c == '\\' && i + 1 < s.size()) {
        if (s[i + 1] == 'u') {
          unsigned u = 0, low = 0;
          if (hex4(s, i + 2, u) && u >= 0xD800 && u <= 0xDFFF) {
            bool paired = u <= 0xDBFF && i + 8 <= s.size() && s.compare(i + 6, 2, "\\u") == 0 &&
                          hex4(s, i + 8, low) && low >= 0xDC00 && low <= 0xDFFF;
            if (paired) {
              i += 11;
              continue;
            }
            out.lone_surrogates.push_back(i);
          }
        }
        ++i;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      out.depth = std::max(out.depth, ++depth);
      if (out.depth > max_depth) return out;
    } else if (c == ']' || c == '}') {
      if (depth) --depth;
    }
  }
  return out;
}

}  // namespace

std::optional<nlohmann::json> parse_json_input(std::string_view text, std::string& error, size_t max_depth) {
  Scan s = scan(text, max_depth);
  if (s.depth > max_depth) {
    error = "nested deeper than " + std::to_string(max_depth) + " levels";
    return std::nullopt;
  }
  std::string fixed;
  if (!s.lone_surrogates.empty()) {
    fixed.reserve(text.size());
    size_t from = 0;
    for (size_t at : s.lone_surrogates) {
      fixed.append(text.substr(from, at - from));
      fixed += "\\ufffd";
      from = at + 6;
    }
    fixed.append(text.substr(from));
    text = fixed;
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error while parsing
    // value - invalid literal; last read: '…'": the part before "last read" names no input.
    std::string what = e.what();
    auto cut = what.find("; last read");
    error = what.substr(0, cut);
    return std::nullopt;
  }
}

}  // namespace labctl
