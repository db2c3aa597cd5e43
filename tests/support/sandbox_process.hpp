#pragma once
// Runs the built labctl-sandbox (fake Chatwoot, Linear and Attio) on a free port, and talks to
// its /_sandbox admin API.
#include <httplib.h>
#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/labctl_process.hpp"

namespace labctl::test {

// One-shot run of labctl-sandbox (e.g. --print-env, a bad --faults); the environment is inherited.
Run labctl_sandbox(const std::vector<std::string>& args);

class Sandbox {
 public:
  // Starts `labctl-sandbox --port 0 <extra_args>` (e.g. {"--seed", "7", "--now", "2025-01-01T00:00:00Z"})
  // and waits for its "listening on" line; throws std::runtime_error with its stderr if it does not start.
  explicit Sandbox(std::vector<std::string> extra_args = {});
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  int port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  httplib::Client client() const;
  // CHATWOOT_*, LINEAR_*, ATTIO_* pointing labctl at this sandbox (what --print-env prints).
  std::map<std::string, std::string> env() const;

  nlohmann::json tenants();                                 // GET /_sandbox/tenants
  void set_faults(const std::string& spec);                 // POST /_sandbox/faults (text or JSON script)
  nlohmann::json faults();                                  // GET /_sandbox/faults: rules with their hits
  void reset();                                             // POST /_sandbox/reset: data, faults and log
  nlohmann::json requests(const std::string& target = "");  // GET /_sandbox/requests[?target=]
  nlohmann::json mutate(const nlohmann::json& body);        // POST /_sandbox/mutate; the reply, even an error

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::vector<std::string> args_;
};

}  // namespace labctl::test
