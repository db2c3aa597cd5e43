#pragma once
// Runs the built labctl binary: one-shot commands, and `labctl serve` on a free port.
#include <httplib.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace labctl::test {

struct Run {
  int exit_code;
  std::string out;
  std::string err;
};

// The environment owner every test environment configures (AUTH_CREDENTIALS).
inline constexpr const char* kOwnerLogin = "owner";
inline constexpr const char* kOwnerPassword = "owner-test-secret";
// Its bcrypt hash (cost 4, so that logging in costs tests nothing), as AUTH_CREDENTIALS holds it.
inline constexpr const char* kOwnerSecretHash = "$2b$04$Y4wlty0UgvlG/Fn7LDvAPOFgQXkzJUIIPBp.XKe3g3hCoZ8g3z2Sm";

// Environment for a test run: no user config, JSON logs, the given database, the owner above.
std::map<std::string, std::string> test_env(const std::string& database_url);

// `input`, when given, is the command's standard input (else /dev/null).
Run labctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
           const std::optional<std::string>& input = std::nullopt);

// labctl in the background, output discarded (to be killed mid-run); reap it with wait_exit.
pid_t start_labctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env);

class Server {
 public:
  explicit Server(const std::map<std::string, std::string>& env, std::vector<std::string> extra_args = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  httplib::Client client() const;
  struct Login {
    std::string session_id, csrf_token;
  };
  // POST /auth/login; throws unless it answers 200.
  Login login(const std::string& name, const std::string& password) const;
  // A client logged in (as the environment owner unless told otherwise): its requests carry the
  // session cookie and the CSRF token; with `project`, that project is selected first.
  httplib::Client session(const std::optional<std::string>& project = std::nullopt,
                          const std::string& name = kOwnerLogin, const std::string& password = kOwnerPassword) const;
  // Sends SIGTERM and returns the exit code.
  int stop();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace labctl::test
