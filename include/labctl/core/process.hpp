#pragma once
// Running other programs (initdb, pg_ctl, psql) without a shell.
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace labctl {

struct RunAs {
  std::string user;
  uid_t uid;
  gid_t gid;
};

struct ProcessResult {
  int exit_code;
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv[0] (searched in PATH unless it has a slash), waits, captures its output.
ProcessResult run_process(const std::vector<std::string>& argv, const std::optional<RunAs>& as = {});
// Replaces this process with argv (for `db shell`). Returns only on failure.
[[noreturn]] void exec_process(const std::vector<std::string>& argv);

std::optional<RunAs> lookup_user(const std::string& name);

}  // namespace labctl
