#pragma once
// The HTTP front of the sandbox: routes requests to the Chatwoot, Linear, Attio and OpenAI fakes,
// checks tokens, records requests, applies the fault script, and serves the /_sandbox admin API.
#include <httplib.h>

#include <mutex>
#include <string>

#include "dataset.hpp"
#include "fault_script.hpp"
#include "reply.hpp"
#include "request_log.hpp"

namespace labctl::sandbox {

inline constexpr const char* kChatwootToken = "sandbox-chatwoot-token";
inline constexpr const char* kLinearToken = "sandbox-linear-token";
inline constexpr const char* kAttioToken = "sandbox-attio-token";
inline constexpr const char* kOpenAIToken = "sandbox-openai-token";

class SandboxServer {
 public:
  SandboxServer(DatasetOptions data, FaultScript faults);

  // Returns the bound port (port 0 = any free one), or -1.
  int bind(const std::string& host, int port);
  void run();  // serves until stop()
  void stop();

 private:
  struct Route {
    std::string service;  // "chatwoot", "linear", "attio", "openai"; empty = no such endpoint
    std::string target;   // the fault target, e.g. "chatwoot.messages"
    std::string method;   // the method the endpoint takes
    std::vector<std::string> args;  // path captures
    json body;            // Linear, OpenAI: the parsed request body (discarded if not JSON)
  };

  void dispatch(const httplib::Request& req, httplib::Response& res);
  void admin(const httplib::Request& req, httplib::Response& res);
  void api(const httplib::Request& req, httplib::Response& res);
  static Route classify(const httplib::Request& req);
  static std::string check_auth(const Route& route, const httplib::Request& req);
  // Picks the tenant (under data_mutex_); nullptr if the account/workspace is unknown.
  Tenant* tenant_for(const Route& route, const httplib::Request& req);
  Reply serve(const Route& route, const httplib::Request& req, const PageFault& fault);
  json tenants_json() const;

  mutable std::mutex data_mutex_;
  Dataset dataset_;
  std::mutex fault_mutex_;
  FaultScript faults_;
  RequestLog log_;
  httplib::Server server_;
};

}  // namespace labctl::sandbox
