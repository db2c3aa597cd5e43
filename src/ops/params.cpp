#include "labctl/ops/params.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"
#include "labctl/core/iso_time.hpp"
#include "labctl/core/json_input.hpp"
#include "labctl/core/utf8.hpp"

namespace labctl::ops {
namespace {

// A validation problem for one parameter, phrased for the front end in use.
struct Problem {
  std::string message;
  std::string code;
};

class Checker {
 public:
  Checker(const Operation& op, Frontend fe) : op_(op), fe_(fe) {}

  std::string label(const Param& p) const {
    if (fe_ == Frontend::http) return p.name;
    if (p.positional) return p.metavar.empty() ? ascii_upper(p.name) : p.metavar;
    return "--" + cli_flag(p);
  }

  // Returns the coerced value, or throws a Problem.
  json coerce(const Param& p, const json& raw) const {
    switch (p.type) {
      case ParamType::string:
      case ParamType::password:
      case ParamType::choice: return coerce_string(p, raw);
      case ParamType::integer: return coerce_integer(p, raw);
      case ParamType::boolean: return coerce_boolean(p, raw);
      case ParamType::uuid: {
        json s = coerce_string(p, raw);
        if (!s.is_null() && !is_uuid(s.get<std::string>()))
          throw Problem{label(p) + " must be a valid UUID", "invalid_format"};
        return s;
      }
      case ParamType::list: return coerce_list(p, raw);
      case ParamType::object: {
        json v = raw;
        if (raw.is_string() && fe_ == Frontend::cli) {  // the CLI passes the object's JSON text
          std::string why;
          auto parsed = parse_json_input(raw.get<std::string>(), why);
          if (!parsed) throw Problem{label(p) + " must be a JSON object (" + why + ")", "invalid_format"};
          v = std::move(*parsed);
        }
        if (!v.is_object()) throw Problem{label(p) + " must be a JSON object", "invalid_type"};
        return v;
      }
      case ParamType::date: {
        if (raw.is_number()) return epoch_ms_date(p, raw);
        json s = coerce_string(p, raw);
        if (!s.is_null() && !parse_iso_ms(s.get<std::string>()))
          throw Problem{label(p) + " must be a date (YYYY-MM-DD) or an ISO timestamp", "invalid_format"};
        return s;
      }
    }
    return raw;
  }

 private:
  json coerce_string(const Param& p, const json& raw) const {
    if (!raw.is_string()) throw Problem{label(p) + " must be a string", "invalid_type"};
    std::string s = raw.get<std::string>();
    if (!valid_utf8(s)) throw Problem{label(p) + " must be valid UTF-8", "invalid_format"};
    if (s.find('\0') != std::string::npos) throw Problem{label(p) + " must not contain NUL characters", "invalid_format"};
    if (p.type != ParamType::password) s = trim_text(s);
    if (p.lowercased) s = to_lower(s);
    size_t len = utf8_length(s);
    if (p.min && len < static_cast<size_t>(*p.min))
      throw Problem{len == 0 ? label(p) + " is required"
                             : label(p) + " must be at least " + std::to_string(*p.min) + " characters",
                    "too_small"};
    if (p.max && len > static_cast<size_t>(*p.max))
      throw Problem{label(p) + " must be at most " + std::to_string(*p.max) + " characters", "too_big"};
    if (s.empty() && !p.required) return nullptr;
    if (p.type == ParamType::choice &&
        std::find(p.choices.begin(), p.choices.end(), s) == p.choices.end()) {
      std::string list;
      for (const auto& c : p.choices) list += (list.empty() ? "" : ", ") + c;
      throw Problem{label(p) + " must be one of: " + list + " (got '" + s.substr(0, 80) + "')", "invalid_value"};
    }
    return s;
  }

  json coerce_list(const Param& p, const json& raw) const {
    json items = json::array();
    if (raw.is_string()) {
      for (auto& item : comma_items(raw.get<std::string>())) items.push_back(std::move(item));
    } else if (raw.is_array()) {
      items = raw;
    } else {
      throw Problem{label(p) + " must be an array of strings", "invalid_type"};
    }
    json out = json::array();
    Param item = p;
    item.type = p.items;
    item.min.reset();
    item.max.reset();
    item.required = false;
    for (const auto& raw_item : items) {
      json v = coerce(item, raw_item);
      if (!v.is_null()) out.push_back(v);
    }
    if (p.max && static_cast<long long>(out.size()) > *p.max)
      throw Problem{label(p) + " takes at most " + std::to_string(*p.max) + " items", "too_many_items"};
    return out;
  }

  json epoch_ms_date(const Param& p, const json& raw) const {
    double ms = raw.get<double>();
    if (!std::isfinite(ms) || std::fabs(ms) > 8.64e15) throw Problem{label(p) + " is out of range", "invalid_date"};
    return iso_ms(static_cast<int64_t>(std::floor(ms)));
  }

  json coerce_integer(const Param& p, const json& raw) const {
    bool clamp = fe_ == Frontend::http && p.out_of_range == OutOfRange::clamp;
    try {
      return integer_in_range(p, raw, clamp);
    } catch (const Problem&) {
      // Lenient list limits (api.md §1.6): over HTTP a non-numeric value gets the default.
      if (clamp && !p.default_value.is_null()) return p.default_value;
      throw;
    }
  }

  json integer_in_range(const Param& p, const json& raw, bool clamp) const {
    const std::string not_integer = label(p) + " must be an integer";
    // The value as an exact int64; `above` / `below` when it is an integer beyond that range.
    std::optional<long long> v;
    bool above = false, below = false;
    auto from_double = [&](double d) {
      if (!std::isfinite(d) || d != std::floor(d)) throw Problem{not_integer, "invalid_type"};
      if (d >= 9223372036854775808.0) above = true;        // 2^63: past the largest int64
      else if (d < -9223372036854775808.0) below = true;
      else v = static_cast<long long>(d);
    };
    if (raw.is_number_unsigned()) {
      auto u = raw.get<unsigned long long>();
      if (u > static_cast<unsigned long long>(std::numeric_limits<long long>::max())) above = true;
      else v = static_cast<long long>(u);
    } else if (raw.is_number_integer()) {
      v = raw.get<long long>();
    } else if (raw.is_number_float()) {
      from_double(raw.get<double>());
    } else if (raw.is_string()) {
      parse_decimal(trim_text(raw.get<std::string>()), not_integer, v, above, below, from_double);
    } else {
      throw Problem{not_integer, "invalid_type"};
    }
    if (below || (v && p.min && *v < *p.min)) {
      if (clamp && p.min) return *p.min;
      throw Problem{label(p) + " must be at least " + std::to_string(p.min.value_or(std::numeric_limits<long long>::min())),
                    "too_small"};
    }
    if (above || (v && p.max && *v > *p.max)) {
      if (clamp && p.max) return *p.max;
      throw Problem{label(p) + " must be at most " + std::to_string(p.max.value_or(std::numeric_limits<long long>::max())),
                    "too_big"};
    }
    return *v;
  }

  // A whole-string decimal number: [+-]digits[.digits][e[+-]digits]. Plain integers are read exactly
  // as int64; the rest through double, and must be integral.
  template <typename FromDouble>
  static void parse_decimal(const std::string& s, const std::string& not_integer, std::optional<long long>& v,
                            bool& above, bool& below, FromDouble from_double) {
    size_t i = 0, n = s.size();
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t digits_start = i;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    bool int_digits = i > digits_start;
    bool plain = i == n && int_digits;
    if (!plain) {
      bool frac_digits = false;
      if (i < n && s[i] == '.') {
        ++i;
        size_t f = i;
        while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        frac_digits = i > f;
      }
      if (!int_digits && !frac_digits) throw Problem{not_integer, "invalid_type"};
      if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
        size_t e = i;
        while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        if (i == e) throw Problem{not_integer, "invalid_type"};
      }
      if (i != n) throw Problem{not_integer, "invalid_type"};
      from_double(std::strtod(s.c_str(), nullptr));
      return;
    }
    const char* first = s.data() + (s[0] == '+' ? 1 : 0);
    long long out = 0;
    auto [end, ec] = std::from_chars(first, s.data() + n, out);
    if (ec == std::errc::result_out_of_range) {
      (s[0] == '-' ? below : above) = true;
    } else if (ec != std::errc() || end != s.data() + n) {
      throw Problem{not_integer, "invalid_type"};
    } else {
      v = out;
    }
  }

  json coerce_boolean(const Param& p, const json& raw) const {
    if (raw.is_boolean()) return raw;
    if (raw.is_string()) {
      std::string s = ascii_lower(trim_text(raw.get<std::string>()));
      if (s == "true" || s == "1" || s == "yes" || s == "on") return true;
      if (s == "false" || s == "0" || s == "no" || s == "off" || s.empty()) return false;
    }
    throw Problem{label(p) + " must be a boolean", "invalid_type"};
  }

  const Operation& op_;
  Frontend fe_;
};

}  // namespace

std::string cli_flag(const Param& p) {
  if (!p.flag.empty()) return p.flag;
  std::string f = p.name;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

std::string metavar(const Param& p) {
  if (!p.metavar.empty()) return p.metavar;
  switch (p.type) {
    case ParamType::integer: return "N";
    case ParamType::uuid: return "ID";
    case ParamType::date: return "DATE";
    case ParamType::object: return "JSON";
    default: {
      std::string name = ascii_upper(p.name);
      std::replace(name.begin(), name.end(), '_', '-');
      return name;
    }
  }
}

Params validate(const Operation& op, const HttpRoute* route, const json& given, Frontend frontend,
                const Config* config) {
  json input = given.is_object() ? given : json::object();
  if (route)
    for (const auto& [k, v] : route->fixed.items()) input[k] = v;
  Checker checker(op, frontend);
  json out = json::object();
  json issues = json::array();
  std::optional<Error> coded;  // the first problem, when its parameter has its own wire code (params in declared order)
  for (const auto& declared : op.params) {
    Param p = declared;
    if (route)
      if (auto c = route->choices.find(p.name); c != route->choices.end()) p.choices = c->second;
    json raw = input.contains(p.name) ? input.at(p.name) : json();
    // An explicit JSON null is Number(null) = 0 for a strict integer (rag.md §5.1: topK null → 400).
    if (raw.is_null() && frontend == Frontend::http && p.type == ParamType::integer &&
        p.out_of_range == OutOfRange::reject && !p.default_value.is_null() && input.contains(p.name))
      raw = 0;
    const ConfigValue* from_config = nullptr;
    if (raw.is_null() && !p.config_default.empty() && config) {
      from_config = &config->entry(p.config_default);
      raw = from_config->value;
    }
    if (raw.is_null()) raw = p.default_value;
    if (raw.is_null()) {
      if (p.required && !p.missing_code.empty() && !coded && issues.empty())
        coded = Error(ErrorClass::invalid_params, p.missing_code, checker.label(p) + " is required");
      if (p.required) issues.push_back(validation_issue(p.name, checker.label(p) + " is required", "invalid_type"));
      out[p.name] = nullptr;
      continue;
    }
    try {
      out[p.name] = checker.coerce(p, raw);
      // An optional value that trims to nothing is not given: it gets the default.
      if (out[p.name].is_null() && !p.default_value.is_null()) out[p.name] = checker.coerce(p, p.default_value);
      if (out[p.name].is_null() && p.required)
        issues.push_back(validation_issue(p.name, checker.label(p) + " is required", "too_small"));
    } catch (const Problem& problem) {
      if (from_config) {
        // Not the caller's input: name the setting and where it was set (exit 8).
        std::string what = problem.message.substr(checker.label(p).size());
        throw config_error("config key '" + p.config_default + "' (" + from_config->source + ")" + what +
                           ", got '" + from_config->value + "'");
      }
      if (!p.invalid_code.empty() && !coded && issues.empty()) coded = Error(ErrorClass::invalid_params, p.invalid_code, problem.message);
      issues.push_back(validation_issue(p.name, problem.message, problem.code));
    }
  }
  if (coded) throw *coded;
  if (!issues.empty())
    throw Error(ErrorClass::invalid_params, "validation_error", issues[0]["message"].get<std::string>(), issues);
  std::set<std::string> named;
  for (const auto& p : op.params)
    if (input.contains(p.name)) named.insert(p.name);
  return Params(std::move(out), std::move(named));
}

bool Params::has(const std::string& name) const {
  return values_.contains(name) && !values_.at(name).is_null();
}

std::string Params::str(const std::string& name) const {
  return has(name) ? values_.at(name).get<std::string>() : std::string();
}

std::optional<std::string> Params::opt_str(const std::string& name) const {
  if (!has(name)) return std::nullopt;
  return values_.at(name).get<std::string>();
}

long long Params::integer(const std::string& name) const {
  if (!has(name)) throw internal_error("parameter " + name + " has no value");
  return values_.at(name).get<long long>();
}

bool Params::boolean(const std::string& name) const { return has(name) && values_.at(name).get<bool>(); }

}  // namespace labctl::ops
