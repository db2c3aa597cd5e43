#include "labctl/http/envelope.hpp"

namespace labctl::http {

nlohmann::json success_envelope(const nlohmann::json& fields, const std::string& request_id) {
  nlohmann::json body = fields.is_object() ? fields : nlohmann::json::object();
  body["ok"] = true;
  body["request_id"] = request_id;
  return body;
}

nlohmann::json error_envelope(const Error& error, const std::string& request_id) {
  nlohmann::json body = {{"ok", false}, {"error", error.code()}, {"message", error.what()},
                         {"request_id", request_id}};
  if (!error.details().is_null()) body["details"] = error.details();
  return body;
}

}  // namespace labctl::http
