#include "labctl/core/iso_time.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace labctl {
namespace {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  auto r = std::from_chars(s.data() + pos, s.data() + pos + n, out);
  if (r.ec != std::errc() || r.ptr != s.data() + pos + n) return false;
  pos += n;
  return true;
}

bool at(std::string_view s, size_t pos, char c) { return pos < s.size() && s[pos] == c; }

}  // namespace

std::string iso_ms(int64_t epoch_ms) {
  int64_t secs = floor_div(epoch_ms, 1000);
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];  // room for any int the compiler can imagine
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(epoch_ms - secs * 1000));
  return buf;
}

std::optional<int64_t> parse_iso_ms(std::string_view s) {
  size_t p = 0;
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  if (!digits(s, p, 4, y) || !at(s, p++, '-') || !digits(s, p, 2, mo) || !at(s, p++, '-') || !digits(s, p, 2, d))
    return std::nullopt;
  int64_t offset_min = 0;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
    ++p;
    if (!digits(s, p, 2, h) || !at(s, p++, ':') || !digits(s, p, 2, mi)) return std::nullopt;
    if (at(s, p, ':')) {
      ++p;
      if (!digits(s, p, 2, sec)) return std::nullopt;
      if (at(s, p, '.')) {
        size_t start = ++p;
        for (int scale = 100; p < s.size() && s[p] >= '0' && s[p] <= '9'; ++p, scale /= 10) ms += (s[p] - '0') * scale;
        if (p == start) return std::nullopt;
      }
    }
    if (at(s, p, 'Z') || at(s, p, 'z')) {
      ++p;
    } else if (at(s, p, '+') || at(s, p, '-')) {
      int sign = s[p++] == '-' ? -1 : 1, oh = 0, om = 0;
      if (!digits(s, p, 2, oh)) return std::nullopt;
      if (at(s, p, ':')) ++p;
      if (!digits(s, p, 2, om)) return std::nullopt;
      offset_min = sign * (oh * 60 + om);
    }
  }
  if (p != s.size() || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  int64_t epoch = static_cast<int64_t>(timegm(&tm));
  if (tm.tm_mday != d || tm.tm_mon != mo - 1) return std::nullopt;  // 2026-02-31 was normalised
  return (epoch - offset_min * 60) * 1000 + ms;
}

std::string iso_now() {
  using namespace std::chrono;
  return iso_ms(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

}  // namespace labctl
