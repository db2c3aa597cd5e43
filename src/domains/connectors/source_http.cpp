#include "labctl/domains/connectors/source_http.hpp"

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/json_input.hpp"

namespace labctl::connectors {
namespace {

constexpr size_t kMaxPageDepth = 128;

}  // namespace

nlohmann::json fetch_json(net::HttpClient& http, const SourceCall& call) {
  std::string named = !call.label.empty()
                          ? call.label
                          : call.source + " " + call.method + " " + call.endpoint.substr(0, call.endpoint.find('?'));
  auto response = http.send({call.method, call.base_url + call.endpoint, call.headers, call.body});
  if (response.status < 200 || response.status >= 300) {
    nlohmann::json details{{"status", response.status}, {"attempts", response.attempts}};
    // The pause the source asks for outlives this call: the job's backoff honours it (§1.5).
    if (auto it = response.headers.find("retry-after"); it != response.headers.end())
      if (auto wait = net::parse_retry_after(it->second, std::chrono::system_clock::now(), std::chrono::hours(24)))
        details["retry_after_ms"] = wait->count();
    throw Error(ErrorClass::upstream_failed, "upstream_failed",
                named + " failed (" + std::to_string(response.status) + ")", details);
  }
  // Pages nest a few levels; far deeper is no API's answer and would only exhaust the stack.
  std::string why;
  auto body = parse_json_input(response.body, why, kMaxPageDepth);
  if (!body)  // the body itself is the customers' data: only its size and type are kept
    throw Error(ErrorClass::upstream_failed, "upstream_invalid_json", named + " returned invalid JSON (" + why + ")",
                nlohmann::json{{"bytes", response.body.size()},
                               {"content_type", response.headers.count("content-type") ? response.headers.at("content-type") : ""}});
  return std::move(*body);
}

net::HttpClient connector_http_client(const Config& config, net::CircuitBreakerRegistry& breakers,
                                      std::optional<Deadline> deadline) {
  net::RetryPolicy policy;
  policy.max_attempts = 1 + config.get_int("connectors.http_retries");
  policy.timeout = std::chrono::milliseconds(config.get_int("connectors.http_timeout_ms"));
  policy.backoff_base = std::chrono::milliseconds(config.get_int("connectors.backoff_ms"));
  policy.retry_after_cap = std::chrono::milliseconds(config.get_int("connectors.retry_after_cap_ms"));
  policy.deadline = deadline;
  return net::HttpClient(breakers, policy);
}

std::string required_setting(const Config& config, const std::string& key, const std::string& code) {
  const auto& value = config.get(key);
  if (!value.empty()) return value;
  std::string env;
  for (const auto& k : config_keys())
    if (k.name == key && !k.env.empty()) env = " (" + k.env.front() + ")";
  throw Error(ErrorClass::config, code, key + env + " is not set");
}

}  // namespace labctl::connectors
