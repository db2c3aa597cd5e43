// Wall time of one-shot commands that must do no I/O: `labctl --help`, `--version`.
// Usage: cli_startup_bench [runs]. Prints p50/p95/max in milliseconds.
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

extern char** environ;

namespace {

double run_ms(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 0x1 /*O_WRONLY*/, 0);
  auto start = std::chrono::steady_clock::now();
  pid_t pid;
  posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  int status;
  waitpid(pid, &status, 0);
  posix_spawn_file_actions_destroy(&actions);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void report(const char* name, std::vector<std::string> args, int runs) {
  std::vector<double> ms;
  run_ms(args);  // warm the page cache
  for (int i = 0; i < runs; ++i) ms.push_back(run_ms(args));
  std::sort(ms.begin(), ms.end());
  std::printf("%-18s runs=%d p50=%.2fms p95=%.2fms max=%.2fms\n", name, runs, ms[ms.size() / 2],
              ms[ms.size() * 95 / 100], ms.back());
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::stoi(argv[1]) : 200;
  report("labctl --help", {LABCTL_BINARY, "--help"}, runs);
  report("labctl --version", {LABCTL_BINARY, "--version"}, runs);
  return 0;
}
