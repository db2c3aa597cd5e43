#pragma once
// What a fake endpoint answers, before the server applies faults and writes it out.
#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace labctl::sandbox {

struct Reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Reply json(int status, const nlohmann::json& body) {
    return {status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
  }
};

// Faults the endpoint itself has to apply (page-level ones, and the embeddings' wrong answers).
struct PageFault {
  bool duplicate = false;        // repeat the last record of the previous page
  bool mutate_after = false;     // after building the page, edit a record on it
  bool wrong_count = false;      // embeddings: drop the last vector
  bool wrong_dimension = false;  // embeddings: the last vector is one element short
};

// A whole decimal integer, else nullopt.
inline std::optional<int64_t> to_int(std::string_view s) {
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace labctl::sandbox
