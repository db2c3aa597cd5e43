#include "labctl/domains/connectors/source_values.hpp"

#include <charconv>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "labctl/core/error.hpp"

namespace labctl::connectors {
namespace {

// A whole-string decimal number (sign, digits, fraction, exponent); nothing else.
std::optional<double> parse_decimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return std::nullopt;
  for (char c : s)  // from_chars would also accept "inf" and "nan"
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+'))
      return std::nullopt;
  double out = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(out)) return std::nullopt;
  return out;
}

constexpr long long kMsPerDay = 86'400'000;

// Years 1..9999 keep the fixed-width output PostgreSQL reads back unambiguously.
std::optional<std::string> format_epoch_ms(long long ms) {
  using namespace std::chrono;
  long long day = ms >= 0 ? ms / kMsPerDay : -((-ms + kMsPerDay - 1) / kMsPerDay);
  long long rest = ms - day * kMsPerDay;
  year_month_day ymd{sys_days{days{day}}};
  int y = static_cast<int>(ymd.year());
  if (!ymd.ok() || y < 1 || y > 9999) return std::nullopt;
  auto r = static_cast<unsigned long long>(rest);  // 0 <= rest < one day
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02llu:%02llu:%02llu.%03lluZ", y,
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), r / 3'600'000,
                r / 60'000 % 60, r / 1000 % 60, r % 1000);
  return std::string(buf);
}

std::optional<std::string> from_epoch(double v) {
  double ms = std::trunc(v < 1e10 ? v * 1000.0 : v);
  if (!std::isfinite(ms) || std::fabs(ms) > 4e14) return std::nullopt;  // far beyond year 9999
  return format_epoch_ms(static_cast<long long>(ms));
}

// Reads exactly `n` digits at `pos`.
bool read_digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

std::optional<std::string> parse_iso(std::string_view s) {
  using namespace std::chrono;
  size_t p = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0, offset_min = 0;
  if (!read_digits(s, p, 4, y) || p >= s.size() || s[p++] != '-' || !read_digits(s, p, 2, mo) ||
      p >= s.size() || s[p++] != '-' || !read_digits(s, p, 2, d))
    return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  if (p < s.size()) {
    char sep = s[p++];
    if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
    if (!read_digits(s, p, 2, h) || p >= s.size() || s[p++] != ':' || !read_digits(s, p, 2, mi))
      return std::nullopt;
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!read_digits(s, p, 2, sec)) return std::nullopt;
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        size_t digits = 0;
        for (; p < s.size() && s[p] >= '0' && s[p] <= '9'; ++p, ++digits)
          if (digits < 3) ms = ms * 10 + (s[p] - '0');  // finer than ms is truncated
        if (digits == 0) return std::nullopt;
        for (size_t i = digits; i < 3; ++i) ms *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
    if (p < s.size()) {
      char z = s[p++];
      if (z == 'Z' || z == 'z') {
        if (p != s.size()) return std::nullopt;
      } else if (z == '+' || z == '-') {
        int oh = 0, om = 0;
        if (!read_digits(s, p, 2, oh)) return std::nullopt;
        bool colon = p < s.size() && s[p] == ':';
        if (colon) ++p;
        if ((colon || p < s.size()) && !read_digits(s, p, 2, om)) return std::nullopt;
        if (p != s.size() || oh > 23 || om > 59) return std::nullopt;
        offset_min = (z == '+' ? 1 : -1) * (oh * 60 + om);
      } else {
        return std::nullopt;
      }
    }
  }
  long long day_count = sys_days{ymd}.time_since_epoch().count();
  long long total = day_count * kMsPerDay + h * 3'600'000LL + mi * 60'000LL + sec * 1000LL + ms -
                    offset_min * 60'000LL;
  return format_epoch_ms(total);
}

const json& null_json() {
  static const json n;
  return n;
}

}  // namespace

std::optional<std::string> text(const json& v, size_t max_chars) {
  std::string s;
  if (v.is_string())
    s = trim_text(v.get_ref<const std::string&>());
  else if (v.is_number() || v.is_boolean())
    s = v.dump();
  else
    return std::nullopt;
  if (s.empty()) return std::nullopt;
  return max_chars == kNoLimit ? s : utf8_prefix(s, max_chars);
}

std::optional<double> number(const json& v) {
  if (v.is_number()) {
    double d = v.get<double>();
    return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
  }
  if (v.is_string()) return parse_decimal(trim_text(v.get_ref<const std::string&>()));
  return std::nullopt;
}

std::optional<std::string> ts(const json& v) {
  if (v.is_number()) {
    auto d = number(v);
    return d ? from_epoch(*d) : std::nullopt;
  }
  if (!v.is_string()) return std::nullopt;
  std::string s = trim_text(v.get_ref<const std::string&>());
  if (s.empty()) return std::nullopt;
  if (auto d = parse_decimal(s)) return from_epoch(*d);
  return parse_iso(s);
}

std::optional<std::string> date_only(const json& v) {
  auto t = ts(v);
  if (!t) return std::nullopt;
  return t->substr(0, 10);
}

std::optional<long long> integer(const json& v) {
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<long long>();
  auto d = number(v);
  if (!d) return std::nullopt;
  double t = std::trunc(*d);
  // ±2^63 is exactly representable; anything at or beyond it does not fit.
  if (t >= 9.2233720368547758e18 || t < -9.2233720368547758e18) return std::nullopt;
  return static_cast<long long>(t);
}

const json* at_path(const json& root, std::string_view dotted) {
  const json* cur = &root;
  while (true) {
    size_t dot = dotted.find('.');
    std::string key(dotted.substr(0, dot));
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    if (dot == std::string_view::npos) return cur;
    dotted.remove_prefix(dot + 1);
  }
}

bool is_empty_value(const json& v) {
  if (v.is_null()) return true;
  if (v.is_string()) return trim_text(v.get_ref<const std::string&>()).empty();
  if (v.is_array() || v.is_object()) return v.empty();
  return false;
}

const json* first_of(const json& root, std::initializer_list<std::string_view> paths) {
  for (auto p : paths) {
    const json* v = at_path(root, p);
    if (v && !is_empty_value(*v)) return v;
  }
  return nullptr;
}

const json& value_of(const json& root, std::initializer_list<std::string_view> paths) {
  const json* v = first_of(root, paths);
  return v ? *v : null_json();
}

const json* first_array(const json& root, std::initializer_list<std::string_view> paths) {
  for (auto p : paths) {
    const json* v = at_path(root, p);
    if (v && v->is_array()) return v;
  }
  return nullptr;
}

const json& required_array(const json& root, std::initializer_list<std::string_view> paths, std::string_view what) {
  if (const json* a = first_array(root, paths)) return *a;
  std::string names;
  json expected = json::array();
  for (auto p : paths) {
    names += (names.empty() ? "" : " or ") + std::string(p);
    expected.push_back(std::string(p));
  }
  throw Error(ErrorClass::upstream_failed, "upstream_invalid_shape",
              std::string(what) + " has no " + names + " array (not the API's answer)",
              json{{"expected", expected}});
}

db::Cell pg_cell(const std::string& v) { return v; }  // the array encoder makes every text storable
db::Cell pg_cell(const char* v) { return pg_cell(std::string(v)); }
db::Cell pg_cell(const std::optional<std::string>& v) { return v ? pg_cell(*v) : std::nullopt; }
db::Cell pg_cell(int v) { return std::to_string(v); }
db::Cell pg_cell(long long v) { return std::to_string(v); }
db::Cell pg_cell(const std::optional<long long>& v) { return v ? pg_cell(*v) : std::nullopt; }
db::Cell pg_cell(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, end);
}
db::Cell pg_cell(const std::optional<double>& v) { return v ? pg_cell(*v) : std::nullopt; }
db::Cell pg_cell(bool v) { return std::string(v ? "t" : "f"); }
db::Cell pg_cell(const json& v) { return db::jsonb_text(v); }

}  // namespace labctl::connectors
