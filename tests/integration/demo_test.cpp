// The README's first command: examples/demo.sh on embedded defaults (no DATABASE_URL, no API
// keys) syncs, reconciles, embeds and queries, and leaves nothing running but the private cluster.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/child_process.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;
namespace fs = std::filesystem;

namespace {

// The processes of a process group other than PostgreSQL's (which the demo leaves running).
std::vector<std::string> leftovers(pid_t group) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp != group || state == "Z") continue;
    std::ifstream cmd(e.path() / "cmdline");
    std::string argv0;
    std::getline(cmd, argv0, '\0');
    if (argv0.find("postgres") == std::string::npos) out.push_back(argv0);
  }
  return out;
}

}  // namespace

TEST_CASE("make demo: sync, reconcile, embed, one query per project, intelligence and a digest; it stops everything it started") {
  auto home = test::temp_dir("labctl-demo");
  test::Environment env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
                           {"HOME", home.string()},
                           {"XDG_CONFIG_HOME", (home / "config").string()},
                           {"XDG_DATA_HOME", (home / "data").string()},
                           {"XDG_CACHE_HOME", (home / "cache").string()},
                           {"LABCTL_LOG_FORMAT", "json"},
                           {"BUILD", fs::path(LABCTL_BINARY).parent_path().string()}};
  auto out = home / "out", err = home / "err";
  int out_fd = open(out.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  int err_fd = open(err.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setpgid(0, 0);  // the demo and everything it starts in one group of their own
    if (chdir(LABCTL_SOURCE_DIR) != 0) _exit(126);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    std::vector<std::string> envp;
    for (const auto& [k, v] : env) envp.push_back(k + "=" + v);
    std::vector<char*> e;
    for (auto& s : envp) e.push_back(s.data());
    e.push_back(nullptr);
    char sh[] = "/bin/sh", script[] = "examples/demo.sh";
    char* argv[] = {sh, script, nullptr};
    execve(sh, argv, e.data());
    _exit(127);
  }
  close(out_fd);
  close(err_fd);
  setpgid(pid, pid);
  int code = test::wait_exit(pid);
  std::string printed = test::slurp(out.string());
  INFO(printed);
  INFO(test::slurp(err.string()));
  CHECK(code == 0);
  for (const char* seen : {"syncing from labctl-sandbox", "lightrag query 'approval deadline' in Northwind Coffee",
                           "embedded ", "1. ", "GET http://", "\"ok\":true", "\"authenticated\":true",
                           "\"csrf_token\":\"(hidden)\"", "\"projects\":[{", "labctl db down", "portfolio:",
                           "CLIENT_VALUE_SCORE", "# Daily digest: ", "## Next best actions"})
    CHECK_MESSAGE(printed.find(seen) != std::string::npos, seen);
  CHECK(leftovers(pid).empty());  // no labctl-sandbox, no labctl serve
  // What it leaves is the private cluster, stopped as the demo says.
  test::Environment stop = env;
  stop.erase("BUILD");
  pid_t down = test::spawn(LABCTL_BINARY, {"db", "down"}, stop, STDERR_FILENO, STDERR_FILENO);
  CHECK(test::wait_exit(down) == 0);
}
