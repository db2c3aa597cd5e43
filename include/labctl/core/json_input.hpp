#pragma once
// JSON from outside (request bodies, upstream pages, command-line objects, cache files) parsed
// defensively: nesting deeper than `max_depth` is refused before the parser sees it (a
// 100k-deep document would otherwise exhaust the stack of whatever walks the result), and a lone
// UTF-16 surrogate escape, which JavaScript keeps but nlohmann::json refuses, becomes U+FFFD so
// one odd character cannot make a whole page unreadable.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace labctl {

inline constexpr size_t kMaxJsonDepth = 64;

// The value, or nullopt with `error` saying why ("nested deeper than 64 levels", the parser's
// message otherwise; never the text itself).
std::optional<nlohmann::json> parse_json_input(std::string_view text, std::string& error,
                                               size_t max_depth = kMaxJsonDepth);

}  // namespace labctl
