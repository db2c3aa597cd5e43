#pragma once
// Starting and reaping the binaries under test (labctl, labctl-sandbox).
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace labctl::test {

using Environment = std::map<std::string, std::string>;

// fork + exec `binary args…` with stdin from in_fd (-1: /dev/null) and stdout/stderr on the given
// fds (out_fd -1: stdout closed);
// with exactly `env`, or this process's environment when none is given.
pid_t spawn(const std::string& binary, const std::vector<std::string>& args, const std::optional<Environment>& env,
            int out_fd, int err_fd, int in_fd = -1);

// Waits for the child: its exit code, or 128 + the signal that ended it.
int wait_exit(pid_t pid);

// The whole file ("" if it cannot be read).
std::string slurp(const std::string& path);

}  // namespace labctl::test
