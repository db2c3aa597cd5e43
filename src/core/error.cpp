#include "labctl/core/error.hpp"

namespace labctl {

int exit_code(ErrorClass cls) {
  switch (cls) {
    case ErrorClass::invalid_params:
    case ErrorClass::payload_too_large:
    case ErrorClass::timed_out: return 2;
    case ErrorClass::not_found: return 3;
    case ErrorClass::conflict:
    case ErrorClass::gone: return 4;
    case ErrorClass::unauthorized:
    case ErrorClass::forbidden: return 5;
    case ErrorClass::rate_limited:
    case ErrorClass::upstream_failed: return 6;
    case ErrorClass::unavailable: return 7;
    case ErrorClass::config: return 8;
    case ErrorClass::internal: return 1;
  }
  return 1;
}

int http_status(ErrorClass cls) {
  switch (cls) {
    case ErrorClass::invalid_params: return 400;
    case ErrorClass::unauthorized: return 401;
    case ErrorClass::forbidden: return 403;
    case ErrorClass::not_found: return 404;
    case ErrorClass::conflict: return 409;
    case ErrorClass::gone: return 410;
    case ErrorClass::payload_too_large: return 413;
    case ErrorClass::timed_out: return 408;
    case ErrorClass::rate_limited: return 429;
    case ErrorClass::upstream_failed: return 502;
    case ErrorClass::unavailable: return 503;
    case ErrorClass::internal:
    case ErrorClass::config: return 500;
  }
  return 500;
}

std::string_view class_name(ErrorClass cls) {
  switch (cls) {
    case ErrorClass::invalid_params: return "invalid_params";
    case ErrorClass::unauthorized: return "unauthorized";
    case ErrorClass::forbidden: return "forbidden";
    case ErrorClass::not_found: return "not_found";
    case ErrorClass::conflict: return "conflict";
    case ErrorClass::gone: return "gone";
    case ErrorClass::payload_too_large: return "payload_too_large";
    case ErrorClass::timed_out: return "timed_out";
    case ErrorClass::rate_limited: return "rate_limited";
    case ErrorClass::internal: return "internal";
    case ErrorClass::upstream_failed: return "upstream_failed";
    case ErrorClass::unavailable: return "unavailable";
    case ErrorClass::config: return "config";
  }
  return "internal";
}

std::optional<ErrorClass> class_from_name(std::string_view name) {
  for (auto cls : {ErrorClass::invalid_params, ErrorClass::unauthorized, ErrorClass::forbidden, ErrorClass::not_found,
                   ErrorClass::conflict, ErrorClass::gone, ErrorClass::payload_too_large, ErrorClass::timed_out, ErrorClass::rate_limited,
                   ErrorClass::internal, ErrorClass::upstream_failed, ErrorClass::unavailable, ErrorClass::config})
    if (class_name(cls) == name) return cls;
  return std::nullopt;
}

nlohmann::json validation_issue(const std::string& path, const std::string& message,
                                const std::string& code) {
  return {{"path", path}, {"message", message}, {"code", code}};
}

Error validation_error(const std::string& path, const std::string& message,
                       const std::string& code) {
  return Error(ErrorClass::invalid_params, "validation_error", message,
               nlohmann::json::array({validation_issue(path, message, code)}));
}

Error not_found(std::string code, const std::string& message) {
  return Error(ErrorClass::not_found, std::move(code), message);
}

Error config_error(const std::string& message) {
  return Error(ErrorClass::config, "config_error", message);
}

Error internal_error(const std::string& message) {
  return Error(ErrorClass::internal, "internal_error", message);
}

}  // namespace labctl
