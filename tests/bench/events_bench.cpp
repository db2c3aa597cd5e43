// NOTIFY → `labctl events tail` latency: a job_completed event published (one pg_notify
// statement, as the scheduler sends it) until its JSON line arrives on the tail's stdout, one
// event at a time, so each figure is one event's whole trip. Prints p50, p99 and the maximum
// (target p50/p99 ≤ 10 ms).
// Usage: events_bench [--events N]
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/domains/events/live_events.hpp"
#include "labctl/domains/projects/projects.hpp"
#include "support/child_process.hpp"
#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"

namespace {

using namespace labctl;
using Clock = std::chrono::steady_clock;

// Reads the pipe until a whole line has come (or 5 s pass); false on timeout or EOF.
bool read_line(int fd, std::string& buffer) {
  const auto until = Clock::now() + std::chrono::seconds(5);
  for (;;) {
    if (auto nl = buffer.find('\n'); nl != std::string::npos) {
      buffer.erase(0, nl + 1);
      return true;
    }
    const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count());
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) return false;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  int count = 1000;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--events") count = std::stoi(argv[i + 1]);
  const std::string url = test::fresh_database();
  auto env = test::test_env(url);
  pqxx::connection conn(url);
  auto project = projects::create(conn, {"Events bench", std::nullopt, std::nullopt});

  int out[2];
  if (pipe(out) != 0) return 2;
  auto err_path = test::temp_dir("events-bench") / "err";
  int err_fd = open(err_path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  pid_t tail = test::spawn(LABCTL_BINARY, {"events", "tail", "--project", project.id, "-o", "ndjson"}, env, out[1], err_fd);
  close(out[1]);
  close(err_fd);
  for (int i = 0; i < 400 && test::slurp(err_path.string()).find("listening for events") == std::string::npos; ++i)
    usleep(25'000);

  std::vector<double> ms;
  std::string buffer;
  for (int i = 0; i < count; ++i) {
    const auto sent = Clock::now();
    events::publish(conn, events::JobCompleted{project.id, project.account_scope_id, "embeddings_run", true});
    if (!read_line(out[0], buffer)) {
      std::printf("event %d never arrived\n", i);
      break;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
  }
  kill(tail, SIGTERM);
  test::wait_exit(tail);
  if (ms.size() != static_cast<size_t>(count)) return 1;
  const double p50 = percentile(ms, 0.50), p99 = percentile(ms, 0.99);
  std::printf("NOTIFY -> events tail, %d events one at a time: p50 %.2f ms, p99 %.2f ms, max %.2f ms; target <= 10 ms%s\n",
              count, p50, p99, *std::max_element(ms.begin(), ms.end()), p99 <= 10 ? "" : "  MISSED");
  return 0;
}
