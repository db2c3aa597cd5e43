#include "support/sandbox_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/test_cluster.hpp"

namespace labctl::test {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kStartTimeout = std::chrono::seconds(5);
constexpr auto kStopTimeout = std::chrono::seconds(2);

// labctl-sandbox with our environment; stdout/stderr go to the given fds (opened close-on-exec,
// so a sandbox started later does not hold another one's pipe open).
pid_t spawn(const std::vector<std::string>& args, int out_fd, int err_fd) {
  return test::spawn(LABCTL_SANDBOX_BINARY, args, std::nullopt, out_fd, err_fd);
}

// SIGTERM, then SIGKILL if it has not exited within kStopTimeout; always reaps.
void terminate(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  auto deadline = Clock::now() + kStopTimeout;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() >= deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Reads the first stdout line, giving up at `deadline`; empty if none came.
std::string read_line(int fd, Clock::time_point deadline) {
  std::string line;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return "";
    pollfd p{fd, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return "";
    char c;
    if (read(fd, &c, 1) != 1) return "";  // the process exited
    if (c == '\n') return line;
    line.push_back(c);
  }
}

json body_of(const httplib::Result& r, const std::string& what, bool any_status = false) {
  if (!r) throw std::runtime_error("sandbox " + what + ": no response (" + httplib::to_string(r.error()) + ")");
  if (!any_status && r->status != 200)
    throw std::runtime_error("sandbox " + what + ": HTTP " + std::to_string(r->status) + ": " + r->body);
  return json::parse(r->body);
}

}  // namespace

Run labctl_sandbox(const std::vector<std::string>& args) {
  auto dir = temp_dir("labctl-sandbox-run");
  std::string out_path = (dir / "out").string(), err_path = (dir / "err").string();
  int out = open(out_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  int err = open(err_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  pid_t pid = spawn(args, out, err);
  close(out);
  close(err);
  int code = wait_exit(pid);
  return {code, slurp(out_path), slurp(err_path)};
}

Sandbox::Sandbox(std::vector<std::string> extra_args) : args_(std::move(extra_args)) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  auto err_path = (temp_dir("labctl-sandbox") / "err").string();
  int err = open(err_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  std::vector<std::string> args = {"--port", "0"};  // the default host is 127.0.0.1
  args.insert(args.end(), args_.begin(), args_.end());
  pid_ = spawn(args, fds[1], err);
  close(fds[1]);
  close(err);
  // The first stdout line is "listening on http://127.0.0.1:PORT". The sandbox prints nothing
  // more, and ignores SIGPIPE, so the pipe can be closed now.
  std::string line = read_line(fds[0], Clock::now() + kStartTimeout);
  close(fds[0]);
  auto colon = line.rfind(':');
  if (line.rfind("listening on http://", 0) != 0 || colon == std::string::npos) {
    terminate(pid_);
    pid_ = -1;
    throw std::runtime_error("labctl-sandbox did not start (stdout: \"" + line + "\"): " + slurp(err_path));
  }
  port_ = std::stoi(line.substr(colon + 1));
}

Sandbox::~Sandbox() {
  if (pid_ > 0) terminate(pid_);
}

std::string Sandbox::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

httplib::Client Sandbox::client() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(30, 0);
  return c;
}

std::map<std::string, std::string> Sandbox::env() const {
  // The sandbox's own --print-env, with the same data options, is the one source of these values.
  std::vector<std::string> args = args_;
  args.insert(args.end(), {"--port", std::to_string(port_), "--print-env"});
  Run run = labctl_sandbox(args);
  if (run.exit_code != 0) throw std::runtime_error("labctl-sandbox --print-env failed: " + run.err);
  std::map<std::string, std::string> env;
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    const std::string prefix = "export ";
    auto eq = line.find('=');
    if (line.rfind(prefix, 0) != 0 || eq == std::string::npos) continue;
    env[line.substr(prefix.size(), eq - prefix.size())] = line.substr(eq + 1);
  }
  return env;
}

json Sandbox::tenants() { return body_of(client().Get("/_sandbox/tenants"), "GET tenants"); }

void Sandbox::set_faults(const std::string& spec) {
  body_of(client().Post("/_sandbox/faults", spec, "text/plain"), "POST faults");
}

json Sandbox::faults() { return body_of(client().Get("/_sandbox/faults"), "GET faults"); }

void Sandbox::reset() { body_of(client().Post("/_sandbox/reset", "", "application/json"), "POST reset"); }

json Sandbox::requests(const std::string& target) {
  std::string path = "/_sandbox/requests";
  if (!target.empty()) path += "?target=" + httplib::detail::encode_query_param(target);
  return body_of(client().Get(path), "GET requests");
}

json Sandbox::mutate(const json& body) {
  return body_of(client().Post("/_sandbox/mutate", body.dump(), "application/json"), "POST mutate", true);
}

}  // namespace labctl::test
