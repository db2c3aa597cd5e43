#pragma once
// Runs the built labctl binary: one-shot commands, and `labctl serve` on a free port.
#include <httplib.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace labctl::test {

struct Run {
  int exit_code;
  std::string out;
  std::string err;
};

// Environment for a test run: no user config, JSON logs, the given database.
std::map<std::string, std::string> test_env(const std::string& database_url);

Run labctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env);

// labctl in the background, output discarded (to be killed mid-run); reap it with wait_exit.
pid_t start_labctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env);

class Server {
 public:
  explicit Server(const std::map<std::string, std::string>& env, std::vector<std::string> extra_args = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  httplib::Client client() const;
  // Sends SIGTERM and returns the exit code.
  int stop();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace labctl::test
