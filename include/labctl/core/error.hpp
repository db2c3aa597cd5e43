#pragma once
// One error type for the whole program. The class picks the CLI exit code and the
// HTTP status; the wire code is the stable `error` string of spec/api.md.
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace labctl {

enum class ErrorClass {
  invalid_params,    // 400, exit 2
  unauthorized,      // 401, exit 5
  forbidden,         // 403, exit 5
  not_found,         // 404, exit 3
  conflict,          // 409, exit 4 (also missing project scope)
  gone,              // 410, exit 4
  payload_too_large, // 413, exit 2
  timed_out,         // 408, exit 2 (a client too slow to send its request)
  rate_limited,      // 429, exit 6
  internal,          // 500, exit 1
  upstream_failed,   // 502, exit 6
  unavailable,       // 503, exit 7 (database or service unavailable)
  config,            //      exit 8 (bad configuration; 500 if it ever reaches HTTP)
};

class Error : public std::runtime_error {
 public:
  Error(ErrorClass cls, std::string code, const std::string& message,
        nlohmann::json details = nullptr)
      : std::runtime_error(message), cls_(cls), code_(std::move(code)), details_(std::move(details)) {}

  ErrorClass error_class() const { return cls_; }
  const std::string& code() const { return code_; }
  const nlohmann::json& details() const { return details_; }

 private:
  ErrorClass cls_;
  std::string code_;
  nlohmann::json details_;
};

int exit_code(ErrorClass cls);
int http_status(ErrorClass cls);
std::string_view class_name(ErrorClass cls);
// The class of that name (class_name's inverse); nullopt for any other text.
std::optional<ErrorClass> class_from_name(std::string_view name);

// One validation problem, as spec/api.md §1.6 puts it in `details`.
nlohmann::json validation_issue(const std::string& path, const std::string& message,
                                const std::string& code);

// Shorthands for the common cases.
Error validation_error(const std::string& path, const std::string& message,
                       const std::string& code);
Error not_found(std::string code, const std::string& message);
Error config_error(const std::string& message);
Error internal_error(const std::string& message);

}  // namespace labctl
