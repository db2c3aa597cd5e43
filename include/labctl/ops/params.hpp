#pragma once
// Validation shared by the CLI and HTTP: the same coercions, bounds and error
// codes (spec/api.md §1.6); only out-of-range handling differs per front end.
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "labctl/ops/operation.hpp"

namespace labctl {
class Config;
}

namespace labctl::ops {

enum class Frontend { cli, http };

class Params {
 public:
  Params() = default;
  explicit Params(json values, std::set<std::string> named = {})
      : values_(std::move(values)), named_(std::move(named)) {}

  bool has(const std::string& name) const;
  std::string str(const std::string& name) const;
  std::optional<std::string> opt_str(const std::string& name) const;
  long long integer(const std::string& name) const;
  bool boolean(const std::string& name) const;
  const json& all() const { return values_; }
  // Whether the input named the parameter at all, even as null or "" (an update that clears).
  bool named(const std::string& name) const { return named_.count(name) > 0; }

 private:
  json values_ = json::object();
  std::set<std::string> named_;
};

// The operation's parameters from `input` (over which the route's fixed values win): coerced,
// defaulted (from config keys too) and checked. Throws Error(invalid_params, "validation_error",
// first message, details[]), or the parameter's own wire code (invalid_uuid, …); a bad value from
// a config key is Error(config) naming the key and its source.
Params validate(const Operation& op, const HttpRoute* route, const json& input, Frontend frontend,
                const Config* config);

}  // namespace labctl::ops
