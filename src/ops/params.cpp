#include "labctl/ops/params.hpp"

#include <cmath>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"
#include "labctl/core/iso_time.hpp"
#include "labctl/core/utf8.hpp"

namespace labctl::ops {
namespace {

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n\f\v";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool in_path(const Operation& op, const Param& p) {
  return op.http && op.http->path.find(":" + p.name) != std::string::npos;
}

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
    if (p.positional) return p.metavar.empty() ? upper(p.name) : p.metavar;
    return "--" + cli_flag(p);
  }

  // Returns the coerced value, or throws a Problem.
  json coerce(const Param& p, const json& raw) const {
    switch (p.type) {
      case ParamType::string:
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
          v = json::parse(raw.get<std::string>(), nullptr, false);
          if (v.is_discarded()) throw Problem{label(p) + " must be a JSON object", "invalid_format"};
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
    s = trim(s);
    if (p.lowercased) s = lower(s);
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
      std::string s = raw.get<std::string>();
      for (size_t start = 0; start <= s.size();) {
        size_t end = std::min(s.find(',', start), s.size());
        items.push_back(s.substr(start, end - start));
        start = end + 1;
      }
    } else if (raw.is_array()) {
      items = raw;
    } else {
      throw Problem{label(p) + " must be an array of strings", "invalid_type"};
    }
    json out = json::array();
    Param item = p;
    item.type = ParamType::string;
    item.min.reset();
    item.required = false;
    for (const auto& raw_item : items) {
      json v = coerce_string(item, raw_item);
      if (!v.is_null()) out.push_back(v);
    }
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
    double v = 0;
    if (raw.is_number()) {
      v = raw.get<double>();
    } else if (raw.is_string()) {
      std::string s = trim(raw.get<std::string>());
      char* end = nullptr;
      v = s.empty() ? NAN : std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0') throw Problem{label(p) + " must be an integer", "invalid_type"};
    } else {
      throw Problem{label(p) + " must be an integer", "invalid_type"};
    }
    if (!std::isfinite(v) || v != std::floor(v)) throw Problem{label(p) + " must be an integer", "invalid_type"};
    if (p.min && v < static_cast<double>(*p.min)) {
      if (clamp) return *p.min;
      throw Problem{label(p) + " must be at least " + std::to_string(*p.min), "too_small"};
    }
    if (p.max && v > static_cast<double>(*p.max)) {
      if (clamp) return *p.max;
      throw Problem{label(p) + " must be at most " + std::to_string(*p.max), "too_big"};
    }
    return static_cast<long long>(v);
  }

  json coerce_boolean(const Param& p, const json& raw) const {
    if (raw.is_boolean()) return raw;
    if (raw.is_string()) {
      std::string s = lower(trim(raw.get<std::string>()));
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
      std::string name = p.name;
      for (auto& c : name) c = c == '_' ? '-' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return name;
    }
  }
}

bool valid_utf8(const std::string& s) {
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};  // no overlong forms
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return false;
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

Params validate(const Operation& op, const json& input, Frontend frontend, const Config* config) {
  Checker checker(op, frontend);
  json out = json::object();
  json issues = json::array();
  std::optional<Error> uuid_error;
  for (const auto& p : op.params) {
    json raw = input.is_object() && input.contains(p.name) ? input.at(p.name) : json();
    // An explicit JSON null is Number(null) = 0 for a strict integer (rag.md §5.1: topK null → 400).
    if (raw.is_null() && frontend == Frontend::http && p.type == ParamType::integer &&
        p.out_of_range == OutOfRange::reject && !p.default_value.is_null() && input.is_object() && input.contains(p.name))
      raw = 0;
    if (raw.is_null() && !p.config_default.empty() && config) raw = config->get(p.config_default);
    if (raw.is_null()) raw = p.default_value;
    if (raw.is_null()) {
      if (p.required) issues.push_back(validation_issue(p.name, checker.label(p) + " is required", "invalid_type"));
      out[p.name] = nullptr;
      continue;
    }
    try {
      out[p.name] = checker.coerce(p, raw);
      if (out[p.name].is_null() && p.required)
        issues.push_back(validation_issue(p.name, checker.label(p) + " is required", "too_small"));
    } catch (const Problem& problem) {
      if (p.type == ParamType::uuid && in_path(op, p) && frontend == Frontend::http && !uuid_error)
        uuid_error = Error(ErrorClass::invalid_params, "invalid_uuid", problem.message);
      issues.push_back(validation_issue(p.name, problem.message, problem.code));
    }
  }
  if (uuid_error) throw *uuid_error;
  if (!issues.empty())
    throw Error(ErrorClass::invalid_params, "validation_error", issues[0]["message"].get<std::string>(), issues);
  return Params(std::move(out));
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
