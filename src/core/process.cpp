#include "labctl/core/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "labctl/core/error.hpp"

namespace labctl {
namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::optional<RunAs> lookup_user(const std::string& name) {
  struct passwd* pw = getpwnam(name.c_str());
  if (!pw) return std::nullopt;
  return RunAs{name, pw->pw_uid, pw->pw_gid};
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::optional<RunAs>& as) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw internal_error("pipe: " + std::string(strerror(errno)));
  auto args = c_argv(argv);
  pid_t pid = fork();
  if (pid < 0) throw internal_error("fork: " + std::string(strerror(errno)));
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (as) {
      if (setgroups(0, nullptr) != 0 || setgid(as->gid) != 0 || setuid(as->uid) != 0) {
        dprintf(STDERR_FILENO, "cannot switch to user %s: %s\n", as->user.c_str(), strerror(errno));
        _exit(126);
      }
      if (chdir("/") != 0) _exit(126);
    }
    execvp(args[0], args.data());
    dprintf(STDERR_FILENO, "cannot run %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  ProcessResult result{0, {}};
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) result.output.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

void exec_process(const std::vector<std::string>& argv) {
  auto args = c_argv(argv);
  execvp(args[0], args.data());
  throw Error(ErrorClass::unavailable, "exec_failed",
              "cannot run " + argv[0] + ": " + std::string(strerror(errno)));
}

}  // namespace labctl
