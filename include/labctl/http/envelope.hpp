#pragma once
// The response envelope of spec/api.md §1.4: flat success, {ok:false,error,message,details} errors.
#include <nlohmann/json.hpp>
#include <string>

#include "labctl/core/error.hpp"

namespace labctl::http {

nlohmann::json success_envelope(const nlohmann::json& fields, const std::string& request_id);
nlohmann::json error_envelope(const Error& error, const std::string& request_id);

}  // namespace labctl::http
