#pragma once
// A JSON call to a connector's source with the spec's failure texts: "Chatwoot GET <endpoint>
// failed (503)", "… returned invalid JSON". Errors name the endpoint, never the token.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "labctl/core/deadline.hpp"
#include "labctl/net/http_client.hpp"

namespace labctl {
class Config;
}

namespace labctl::connectors {

struct SourceCall {
  std::string source;    // Chatwoot, Linear, Attio
  std::string method;    // GET or POST
  std::string base_url;
  std::string endpoint;  // path (and query) after base_url; named in errors without its query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string label;     // names the call in errors instead of "<source> <method> <endpoint>"
};

nlohmann::json fetch_json(net::HttpClient& http, const SourceCall& call);

// The client connectors use, from connectors.http_* settings, reporting to `breakers`.
net::HttpClient connector_http_client(const Config& config, net::CircuitBreakerRegistry& breakers,
                                      std::optional<Deadline> deadline = std::nullopt);

// A required setting, or Error(config, code) naming it: "chatwoot.base_url (CHATWOOT_BASE_URL) is not set".
std::string required_setting(const Config& config, const std::string& key, const std::string& code = "config_error");

}  // namespace labctl::connectors
