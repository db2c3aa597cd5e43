// `labctl serve` under hostile and merely many clients (issue: hardening §2), measured from outside
// over loopback:
//   * /health latency (p50, p99, max over 2,000 requests, one connection each) while 64 clients
//     trickle their headers a byte every two seconds and 64 keep-alive sockets sit idle;
//   * 2,000 connections opened at once, each asking /health: how many are answered, how long it takes;
//   * the same /health loop with nobody else connected, for comparison.
// Usage: serve_bench [--requests N] [--concurrent N]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "support/labctl_process.hpp"
#include "support/raw_client.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

using labctl::bench::percentile;

const std::string kHealth = "GET /health HTTP/1.1\r\nHost: bench\r\n\r\n";

struct Latency {
  double p50, p99, max;
  int failed;
};

Latency health_loop(int port, int requests) {
  std::vector<double> ms;
  int failed = 0;
  for (int i = 0; i < requests; ++i) {
    auto t = Clock::now();
    test::RawConnection c(port);
    bool ok = c.send(kHealth) && test::status_of(c.read_response(10s)) == 200;
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    failed += !ok;
  }
  return {percentile(ms, 0.5), percentile(ms, 0.99), *std::max_element(ms.begin(), ms.end()), failed};
}

}  // namespace

int main(int argc, char** argv) {
  int requests = 2000, concurrent = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--requests")) requests = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--concurrent")) concurrent = std::atoi(argv[i + 1]);
  }
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);

  test::Server server(test::test_env(test::fresh_database()));
  const int port = server.port();
  std::printf("labctl serve on 127.0.0.1:%d (2 cores shared with this client)\n", port);

  Latency quiet = health_loop(port, requests);
  std::printf("/health, nobody else connected: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d requests (%d failed)\n",
              quiet.p50, quiet.p99, quiet.max, requests, quiet.failed);

  // 64 clients trickling headers (a byte every 2 s, never finishing within the run: the header
  // deadline is raised for them to stay) and 64 idle keep-alive sockets.
  {
    auto env = test::test_env(test::fresh_database());
    env["LABCTL_HEADER_TIMEOUT_MS"] = "600000";
    env["LABCTL_IDLE_TIMEOUT_MS"] = "600000";
    test::Server hostile(env);
    std::vector<test::RawConnection> slow, idle;
    for (int i = 0; i < 64; ++i) {
      slow.emplace_back(hostile.port());
      slow.back().send("G");
      idle.emplace_back(hostile.port());
      idle.back().send(kHealth);
      idle.back().read_response(5s);
    }
    std::atomic<bool> done{false};
    std::thread trickler([&] {
      const std::string rest = "ET /health HTTP/1.1\r\nHost: slow\r\nX-Padding: " + std::string(4000, 'p');
      for (size_t k = 0; !done && k < rest.size(); ++k) {
        for (auto& c : slow) c.send(std::string(1, rest[k]));
        for (int w = 0; w < 20 && !done; ++w) std::this_thread::sleep_for(100ms);
      }
    });
    Latency hostile_latency = health_loop(hostile.port(), requests);
    done = true;
    trickler.join();
    std::printf("/health with 64 slow-header clients and 64 idle sockets open: p50 %.2f ms, p99 %.2f ms, max %.2f ms "
                "over %d requests (%d failed)\n",
                hostile_latency.p50, hostile_latency.p99, hostile_latency.max, requests, hostile_latency.failed);
  }

  // Many at once: every connection opened, then every request sent, then every answer read.
  {
    auto t = Clock::now();
    std::vector<test::RawConnection> connections;
    connections.reserve(size_t(concurrent));
    int refused = 0;
    for (int i = 0; i < concurrent; ++i) {
      connections.emplace_back(port);
      refused += !connections.back().ok();
    }
    double connected_ms = std::chrono::duration<double, std::milli>(Clock::now() - t).count();
    for (auto& c : connections) c.send(kHealth);
    int answered = 0;
    for (auto& c : connections) answered += test::status_of(c.read_response(30s)) == 200;
    double total_ms = std::chrono::duration<double, std::milli>(Clock::now() - t).count();
    std::printf("%d concurrent connections: %d connected in %.0f ms (%d refused), %d answered 200 in %.0f ms\n",
                concurrent, concurrent - refused, connected_ms, refused, answered, total_ms);
  }
  return 0;
}
