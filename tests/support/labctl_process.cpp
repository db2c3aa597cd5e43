#include "support/labctl_process.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "support/test_cluster.hpp"

namespace labctl::test {
namespace {

pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, int out_fd,
            int err_fd) {
  return test::spawn(LABCTL_BINARY, args, env, out_fd, err_fd);
}

}  // namespace

std::map<std::string, std::string> test_env(const std::string& database_url) {
  static const auto home = temp_dir("labctl-test-home");
  std::map<std::string, std::string> env = {
      {"PATH", "/usr/local/bin:/usr/bin:/bin"},
      {"HOME", home.string()},
      {"XDG_CONFIG_HOME", (home / "config").string()},
      {"XDG_DATA_HOME", (home / "data").string()},
      {"XDG_CACHE_HOME", (home / "cache").string()},
      {"LABCTL_LOG_FORMAT", "json"},
      {"AUTH_CREDENTIALS", std::string(kOwnerLogin) + ":" + kOwnerSecretHash},
      // Tests make hundreds of requests a minute from one address; rate_limit_test sets these back.
      {"RATE_LIMIT_IP_PER_MINUTE", "1000000"},
      {"RATE_LIMIT_AUTH_PER_MINUTE", "1000000"},
      {"RATE_LIMIT_SESSION_PER_MINUTE", "1000000"},
      {"RATE_LIMIT_EXPENSIVE_PER_MINUTE", "1000000"},
  };
  if (!database_url.empty()) env["DATABASE_URL"] = database_url;
  return env;
}

pid_t start_labctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  int devnull = open("/dev/null", O_WRONLY);
  pid_t pid = spawn(args, env, devnull, devnull);
  close(devnull);
  return pid;
}

Run labctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
           const std::optional<std::string>& input) {
  auto dir = temp_dir("labctl-run");
  std::string out_path = (dir / "out").string(), err_path = (dir / "err").string();
  int out = open(out_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  int err = open(err_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  int in = -1;
  if (input) {
    std::string in_path = (dir / "in").string();
    std::ofstream(in_path) << *input;
    in = open(in_path.c_str(), O_RDONLY);
  }
  pid_t pid = test::spawn(LABCTL_BINARY, args, env, out, err, in);
  close(out);
  close(err);
  if (in >= 0) close(in);
  int code = wait_exit(pid);
  return {code, slurp(out_path), slurp(err_path)};
}

Server::Server(const std::map<std::string, std::string>& env, std::vector<std::string> extra_args) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  auto err_path = (temp_dir("labctl-serve") / "err").string();
  int err = open(err_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  std::vector<std::string> args = {"serve", "--host", "127.0.0.1", "--port", "0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = spawn(args, env, fds[1], err);
  close(fds[1]);
  close(err);
  // The first stdout line is "listening on http://127.0.0.1:PORT".
  std::string line;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(fds[0]);
  auto colon = line.rfind(':');
  if (line.rfind("listening on http://", 0) != 0 || colon == std::string::npos) {
    stop();
    throw std::runtime_error("labctl serve did not start: " + slurp(err_path));
  }
  port_ = std::stoi(line.substr(colon + 1));
}

Server::~Server() { stop(); }

httplib::Client Server::client() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(30, 0);
  return c;
}

Server::Login Server::login(const std::string& name, const std::string& password) const {
  auto c = client();
  nlohmann::json body = {{"username", name}, {"password", password}};
  auto r = c.Post("/auth/login", body.dump(), "application/json");
  if (!r || r->status != 200) throw std::runtime_error("test login failed: " + (r ? r->body : std::string("no answer")));
  Login login;
  for (const auto& [header, value] : r->headers)
    if (header == "Set-Cookie" && value.rfind("sid=", 0) == 0) login.session_id = value.substr(4, value.find(';') - 4);
  login.csrf_token = nlohmann::json::parse(r->body)["csrf_token"];
  return login;
}

httplib::Client Server::session(const std::optional<std::string>& project, const std::string& name,
                                const std::string& password) const {
  auto login = this->login(name, password);
  auto c = client();
  c.set_default_headers({{"Cookie", "sid=" + login.session_id + "; csrf_token=" + login.csrf_token},
                         {"X-CSRF-Token", login.csrf_token}});
  if (project) {
    auto selected = c.Post("/projects/" + *project + "/select", "", "application/json");
    if (!selected || selected->status != 200)
      throw std::runtime_error("test project select failed: " + (selected ? selected->body : std::string("no answer")));
  }
  return c;
}

int Server::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int code = wait_exit(pid_);
  pid_ = -1;
  return code;
}

}  // namespace labctl::test
