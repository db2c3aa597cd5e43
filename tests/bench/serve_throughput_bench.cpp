// `labctl serve` throughput with wrk (Debian's `wrk`, loopback), rate limits raised for the run,
// while 1,000 idle event-stream clients stay connected throughout (issue: serve for real):
//   * start-up to the first answer (schema already current), and idle RSS;
//   * `wrk -t2 -c32 -d15s` (after a 2 s warm-up) on GET /health, authenticated GET /projects, and authenticated
//     POST /lightrag/query with a different query each request and the answer cache off:
//     requests/s, p50/p99, errors;
//   * RSS before and after, with the thousand streams open;
//   * NOTIFY → event-stream latency p50/p99 over 200 events.
// Figures are printed; nothing is asserted on time (run by `make bench`).
// Usage: serve_throughput_bench [--seconds S] [--streams N]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "support/event_stream_client.hpp"
#include "support/labctl_process.hpp"
#include "support/raw_client.hpp"
#include "support/sandbox_process.hpp"
#include "support/test_cluster.hpp"

namespace {

using labctl::bench::checked;
using labctl::bench::percentile;

using namespace labctl;
using namespace std::chrono_literals;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using Env = std::map<std::string, std::string>;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double rss_mb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string key; status >> key;) {
    if (key == "VmRSS:") {
      double kb;
      status >> kb;
      return kb / 1024;
    }
    status.ignore(256, '\n');
  }
  return 0;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// One wrk run; its summary line.
void wrk(const std::string& label, int port, int seconds, const std::vector<std::string>& headers,
         const std::string& script = "") {
  std::string args;
  for (const auto& h : headers) args += " -H " + shell_quote(h);
  if (!script.empty()) args += " -s " + shell_quote(script);
  args += " http://127.0.0.1:" + std::to_string(port) + (script.empty() ? label.substr(label.find(' ') + 1) : "/") + " 2>&1";
  // Two seconds unmeasured first: the server's worker threads and pooled connections are started.
  if (std::system(("wrk -t2 -c32 -d2s" + args + " > /dev/null").c_str()) != 0) std::fprintf(stderr, "warm-up failed\n");
  FILE* p = popen(("wrk -t2 -c32 -d" + std::to_string(seconds) + "s --latency" + args).c_str(), "r");
  std::string out;
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  auto find = [&](const std::string& pattern) {
    std::smatch m;
    return std::regex_search(out, m, std::regex(pattern)) ? m[1].str() : std::string("?");
  };
  std::string non2xx = find(R"(Non-2xx or 3xx responses: (\d+))"), socket = find(R"(Socket errors: ([^\n]+))");
  std::printf("%-32s %10s req/s  p50 %8s  p99 %8s  non-2xx %s  socket errors %s\n", label.c_str(),
              find(R"(Requests/sec:\s+([0-9.]+))").c_str(), find(R"(\n\s+50%\s+(\S+))").c_str(),
              find(R"(\n\s+99%\s+(\S+))").c_str(), non2xx == "?" ? "0" : non2xx.c_str(),
              socket == "?" ? "none" : socket.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 15, stream_count = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds") seconds = std::stoi(argv[i + 1]);
    if (a == "--streams") stream_count = std::stoi(argv[i + 1]);
  }
  if (std::system("command -v wrk > /dev/null") != 0) {
    std::fprintf(stderr, "wrk is not installed (apt-get install wrk, or make deps)\n");
    return 2;
  }
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 8192);
  setrlimit(RLIMIT_NOFILE, &lim);

  test::Sandbox sandbox;
  std::string url = test::fresh_database();
  Env env = test::test_env(url);  // rate limits raised
  for (const auto& [k, v] : sandbox.env()) env[k] = v;
  env["EMBEDDING_PROVIDERS"] = "local";
  env["LABCTL_INDEX_DIR"] = test::temp_dir("serve-bench-index").string();
  json project = checked({"projects", "create", "Bench", "-o", "json"}, env)["project"];
  std::string p = project["id"];
  checked({"sources", "bind", "chatwoot", sandbox.tenants()["tenants"][0]["chatwoot"]["account_id"].dump(), "--project", p},
          env);
  checked({"sync", "chatwoot", "--project", p}, env);
  checked({"embeddings", "run", "--project", p}, env);
  pqxx::connection conn(url);
  long long chunks = pqxx::nontransaction(conn).exec1("SELECT count(*) FROM rag_chunks")[0].as<long long>();

  Env serve_env = env;
  serve_env["LIGHTRAG_CACHE_TTL_SECONDS"] = "0";
  serve_env["LABCTL_LOG_LEVEL"] = "warn";
  serve_env["SSE_MAX_CONNECTIONS"] = std::to_string(stream_count + 100);
  serve_env["SSE_MAX_CONNECTIONS_PER_PROJECT"] = std::to_string(stream_count + 100);
  { test::Server warm(serve_env); }  // the schema is current from here on

  // Start-up: from spawning `labctl serve` to the first /health answer.
  std::vector<double> startup;
  for (int i = 0; i < 5; ++i) {
    auto t = Clock::now();
    test::Server s(serve_env);
    for (;;) {
      test::RawConnection c(s.port());
      if (c.send("GET /health HTTP/1.1\r\nHost: b\r\n\r\n") && test::status_of(c.read_response(2s)) == 200) break;
    }
    startup.push_back(ms_since(t));
  }
  test::Server server(serve_env);
  std::this_thread::sleep_for(500ms);
  double idle_rss = rss_mb(server.pid());
  std::printf("data: %lld chunks; start-up to first answer: median %.1f ms, max %.1f ms (5 starts); idle RSS %.1f MB\n",
              chunks, percentile(startup, 0.5), *std::max_element(startup.begin(), startup.end()), idle_rss);

  auto login = server.login(test::kOwnerLogin, test::kOwnerPassword);
  const std::string cookie = "Cookie: sid=" + login.session_id, csrf = "X-CSRF-Token: " + login.csrf_token;
  server.client().Post("/projects/" + p + "/select",
                       httplib::Headers{{"Cookie", "sid=" + login.session_id}, {"X-CSRF-Token", login.csrf_token}}, "",
                       "application/json");
  std::vector<std::unique_ptr<test::EventStreamClient>> streams;
  for (int i = 0; i < stream_count; ++i) {
    streams.push_back(std::make_unique<test::EventStreamClient>(server.port(), cookie));
    if (streams.back()->status() != 200) {
      std::fprintf(stderr, "stream %d answered %d\n", i, streams.back()->status());
      return 1;
    }
    streams.back()->next(5s);  // connected
  }
  double streams_rss = rss_mb(server.pid());
  std::printf("%d idle event streams open: RSS %.1f MB\n", stream_count, streams_rss);

  wrk("GET /health", server.port(), seconds, {});
  wrk("GET /projects", server.port(), seconds, {cookie});
  auto script = test::temp_dir("serve-bench-wrk") / "query.lua";
  std::ofstream(script) << "local n = 0\n"
                           "local words = {'invoice', 'deadline', 'refund', 'contract', 'meeting', 'delay', 'budget', 'launch'}\n"
                           "request = function()\n"
                           "  n = n + 1\n"
                           "  local q = words[n % 8 + 1] .. ' ' .. words[math.floor(n / 8) % 8 + 1] .. ' ' .. n\n"
                           "  return wrk.format('POST', '/lightrag/query', nil, '{\"query\":\"' .. q .. '\"}')\n"
                           "end\n";
  wrk("POST /lightrag/query (uncached)", server.port(), seconds, {cookie, csrf, "Content-Type: application/json"},
      script.string());
  std::printf("RSS after the runs, streams still open: %.1f MB\n", rss_mb(server.pid()));

  // NOTIFY → stream: the time from sending pg_notify to the event's arrival at one client.
  std::vector<double> latency;
  auto& probe = *streams.front();
  for (int i = 0; i < 200; ++i) {
    auto t = Clock::now();
    pqxx::nontransaction(conn).exec_params(
        "SELECT pg_notify('job_completed', $1)",
        json{{"project_id", p}, {"job_type", "embeddings_run"}, {"status", "ok"}, {"at", std::to_string(i)}}.dump());
    auto e = probe.next_event(5s);
    if (!e) {
      std::fprintf(stderr, "event %d did not arrive\n", i);
      return 1;
    }
    latency.push_back(ms_since(t));
  }
  std::printf("NOTIFY -> event stream (%d streams of the project): p50 %.2f ms, p99 %.2f ms\n", stream_count,
              percentile(latency, 0.5), percentile(latency, 0.99));
  std::printf("RSS at the end: %.1f MB\n", rss_mb(server.pid()));
  return 0;
}
