#include "time_format.hpp"

#include <charconv>
#include <ctime>

namespace labctl::sandbox {
namespace {

std::tm utc(int64_t epoch_s) {
  std::time_t t = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

}  // namespace

std::string iso_date(int64_t epoch_ms) { return iso_ms(epoch_ms).substr(0, 10); }

std::string http_date(int64_t epoch_s) {
  std::tm tm = utc(epoch_s);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::optional<int64_t> parse_time_ms(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc()) return std::nullopt;
    return v < 10'000'000'000LL ? v * 1000 : v;
  }
  return parse_iso_ms(s);
}

}  // namespace labctl::sandbox
