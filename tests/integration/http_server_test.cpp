// `labctl serve` against hostile or merely many clients, at the socket level: slow and idle
// connections, bodies past the limit in any framing, deep JSON, pipelining, half-closes, HEAD,
// Range, a port already in use.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "support/labctl_process.hpp"
#include "support/raw_client.hpp"
#include "support/sync_fixture.hpp"
#include "support/test_cluster.hpp"

using namespace labctl;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string kHealth = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";

std::map<std::string, std::string> env_with(std::map<std::string, std::string> extra) {
  auto env = test::test_env(test::fresh_database());
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

// One request on a connection of its own: the response's status.
int health_status(int port, std::chrono::milliseconds timeout = 5s) {
  test::RawConnection c(port);
  if (!c.send(kHealth)) return 0;
  return test::status_of(c.read_response(timeout));
}

std::string gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(compressBound(data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string post(const std::string& path, const std::string& headers, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" + headers + "\r\n" + body;
}

// The headers of a logged-in request (the environment owner's session; its project the newest).
std::string session_headers(const test::Server& server) {
  auto login = server.login(test::kOwnerLogin, test::kOwnerPassword);
  return "Cookie: sid=" + login.session_id + "\r\nX-CSRF-Token: " + login.csrf_token + "\r\n";
}

long long projects_in(const std::string& url) {
  pqxx::connection conn(url);
  return pqxx::nontransaction(conn).exec1("SELECT count(*) FROM projects")[0].as<long long>();
}

}  // namespace

TEST_CASE("serve: slow, idle and unfinished clients hold no worker; /health keeps answering") {
  // Four workers at most: before the connection gate, eight such clients stopped the server.
  test::Server server(env_with({{"LABCTL_MAX_WORKERS", "4"}}));
  std::vector<test::RawConnection> bad;
  for (int i = 0; i < 32; ++i) {
    bad.emplace_back(server.port());  // trickles its headers
    bad.back().send("GET /health HTTP/1.1\r\nHo");
    bad.emplace_back(server.port());  // idle after one request (keep-alive)
    bad.back().send(kHealth);
    CHECK(test::status_of(bad.back().read_response(5s)) == 200);
    bad.emplace_back(server.port());  // a body that never comes
    bad.back().send(post("/projects", "Content-Length: 500\r\n", "{\"name\":"));
  }
  for (int round = 0; round < 5; ++round) {
    for (size_t i = 0; i < bad.size(); i += 3) bad[i].send("s");  // a byte now and then
    for (int i = 0; i < 10; ++i) CHECK(health_status(server.port()) == 200);
  }
}

TEST_CASE("serve: each phase of a request has its deadline, and a keep-alive connection its idle time") {
  auto env = env_with({{"LABCTL_HEADER_TIMEOUT_MS", "600"},
                       {"LABCTL_BODY_TIMEOUT_MS", "600"},
                       {"LABCTL_IDLE_TIMEOUT_MS", "400"}});
  test::Server server(env);
  {
    // A byte every 100 ms never finishes its head: 408 after the header deadline, then closed.
    test::RawConnection trickle(server.port());
    std::string got;
    for (char c : std::string("GET /health HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) {
      if (!trickle.send(std::string(1, c))) break;
      got = trickle.read_all(100ms);
      if (!got.empty()) break;
    }
    CHECK(test::status_of(got) == 408);
    CHECK(json::parse(test::body_of_response(got))["error"] == "request_timeout");
    CHECK(trickle.closed_by_server(2s));
  }
  {
    test::RawConnection idle(server.port());
    CHECK(idle.send(kHealth));
    CHECK(test::status_of(idle.read_response(5s)) == 200);
    CHECK(idle.closed_by_server(3s));  // quietly, after the idle timeout
  }
  {
    test::RawConnection half(server.port());
    half.send(post("/projects", "Content-Length: 100\r\n", "{\"name\":"));
    auto got = half.read_response(5s);
    CHECK(test::status_of(got) == 408);
    CHECK(half.closed_by_server(2s));
  }
  CHECK(health_status(server.port()) == 200);
}

TEST_CASE("serve: the 64 KiB body limit holds in every framing, and nothing is written past it") {
  auto url = test::fresh_database();
  auto env = test::test_env(url);
  test::Server server(env);
  const long long before = projects_in(url);
  auto check_refused = [&](const std::string& request) {
    CAPTURE(request.substr(0, 120));
    test::RawConnection c(server.port());
    c.send(request);
    auto got = c.read_response(10s);
    CHECK(test::status_of(got) == 413);
    CHECK(json::parse(test::body_of_response(got))["error"] == "payload_too_large");
  };
  const std::string big = "{\"name\":\"" + std::string(70000, 'a') + "\"}";
  check_refused(post("/projects", "Content-Length: " + std::to_string(big.size()) + "\r\n", big));
  std::string chunked;  // 200 KB in 1 KB chunks
  for (int i = 0; i < 200; ++i) chunked += "400\r\n" + std::string(1024, 'a') + "\r\n";
  chunked += "0\r\n\r\n";
  check_refused(post("/projects", "Transfer-Encoding: chunked\r\n", chunked));
  std::string tiny_chunks;  // 70 KB of one-byte chunks: the framing counts too
  for (int i = 0; i < 70000; ++i) tiny_chunks += "1\r\na\r\n";
  check_refused(post("/projects", "Transfer-Encoding: chunked\r\n", tiny_chunks + "0\r\n\r\n"));
  const std::string bomb = gzip("{\"name\":\"" + std::string(4 << 20, 'a') + "\"}");  // 4 MiB in a few KB
  CHECK(bomb.size() < 65536);
  check_refused(post("/projects", "Content-Encoding: gzip\r\nContent-Length: " + std::to_string(bomb.size()) + "\r\n", bomb));
  CHECK(projects_in(url) == before);

  // Within the limit, chunked and compressed bodies are read as any other.
  const std::string small = "{\"name\":\"Chunked project\"}";
  std::string framed = "5\r\n" + small.substr(0, 5) + "\r\n" + std::to_string(small.size() - 5) + "\r\n";
  char hex[16];
  std::snprintf(hex, sizeof hex, "%zx", small.size() - 5);
  framed = "5\r\n" + small.substr(0, 5) + "\r\n" + hex + "\r\n" + small.substr(5) + "\r\n0\r\n\r\n";
  test::RawConnection c(server.port());
  c.send(post("/projects", session_headers(server) + "Transfer-Encoding: chunked\r\n", framed));
  CHECK(test::status_of(c.read_response(10s)) == 201);
  CHECK(projects_in(url) == before + 1);
}

TEST_CASE("serve: 100k-deep JSON is a 400, and the server stays up") {
  test::Server server(test::test_env(test::fresh_database()));
  const std::string logged_in = session_headers(server);
  for (const std::string& deep : {std::string(100000, '['), "{\"a\":" + std::string(60000, '[') + std::string(60000, ']') + "}",
                                  std::string(65, '[') + std::string(65, ']')}) {
    std::string body = deep.substr(0, 65000);
    test::RawConnection c(server.port());
    c.send(post("/search/analytics", logged_in + "Content-Length: " + std::to_string(body.size()) + "\r\n", body));
    auto got = c.read_response(10s);
    CHECK(test::status_of(got) == 400);
    CHECK(json::parse(test::body_of_response(got))["error"] == "invalid_json");
    CHECK(test::body_of_response(got).find("nested deeper than 64 levels") != std::string::npos);
  }
  CHECK(health_status(server.port()) == 200);
}

TEST_CASE("serve: HEAD, Range, pipelined requests, a half-closed client, the keep-alive request cap") {
  test::Server server(env_with({{"LABCTL_KEEPALIVE_MAX_REQUESTS", "3"}}));
  {
    test::RawConnection c(server.port());
    c.send("HEAD /health HTTP/1.1\r\nHost: t\r\n\r\n");
    auto got = c.read_response(5s, /*head_only=*/true);
    CHECK(test::status_of(got) == 200);
    CHECK(test::body_of_response(got).empty());
    c.send("HEAD /projects/x HTTP/1.1\r\nHost: t\r\n" + session_headers(server) + "\r\n");  // no GET route there
    CHECK(test::status_of(c.read_response(5s, true)) == 404);
  }
  {
    // Range is not applied to JSON: the whole answer, 200 (not 206 with a slice).
    test::RawConnection c(server.port());
    c.send("GET /health HTTP/1.1\r\nHost: t\r\nRange: bytes=0-3\r\n\r\n");
    auto got = c.read_response(5s);
    CHECK(test::status_of(got) == 200);
    CHECK(json::parse(test::body_of_response(got))["ok"] == true);
    c.send("GET /health HTTP/1.1\r\nHost: t\r\nRange: garbage\r\n\r\n");
    CHECK(test::status_of(c.read_response(5s)) == 200);
  }
  {
    // Three requests in one write: three answers, in order; the third is the cap's last.
    test::RawConnection c(server.port());
    c.send(kHealth + "GET /health HTTP/1.1\r\nHost: t\r\nX-Request-Id: second\r\n\r\n" + kHealth + kHealth);
    auto first = c.read_response(5s), second = c.read_response(5s), third = c.read_response(5s);
    CHECK(test::status_of(first) == 200);
    CHECK(json::parse(test::body_of_response(second))["request_id"] == "second");
    CHECK(third.find("Connection: close") != std::string::npos);
    CHECK(c.closed_by_server(3s));  // the fourth is never read
  }
  {
    // What follows an answer on a kept-alive connection is examined like a first request, whether
    // the worker that answered reads it or the gate does: Range dropped, ambiguous framing refused.
    test::RawConnection c(server.port());
    c.send(kHealth + "GET /health HTTP/1.1\r\nHost: t\r\nRange: bytes=0-3\r\n\r\n" +
           post("/projects", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"));
    auto first = c.read_response(5s), second = c.read_response(5s), third = c.read_response(5s);
    CHECK(test::status_of(first) == 200);
    CHECK(test::status_of(second) == 200);
    CHECK(json::parse(test::body_of_response(second))["ok"] == true);
    CHECK(test::status_of(third) == 400);
    CHECK(c.closed_by_server(3s));
  }
  {
    test::RawConnection c(server.port());
    c.send(kHealth);
    c.shut_write();  // done sending, still reading
    CHECK(test::status_of(c.read_response(5s)) == 200);
  }
  {
    test::RawConnection c(server.port());  // ambiguous framing is refused, not guessed
    c.send(post("/projects", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"));
    CHECK(test::status_of(c.read_response(5s)) == 400);
  }
}

TEST_CASE("serve: a port in use or a bad address is exit 2 with one line, and nothing is shared") {
  auto env = test::test_env(test::fresh_database());
  test::Server first(env);
  auto second = test::labctl({"serve", "--host", "127.0.0.1", "--port", std::to_string(first.port())}, env);
  CHECK(second.exit_code == 2);
  CHECK(second.err.find("address already in use") != std::string::npos);
  CHECK(std::count(second.err.begin(), second.err.end(), '\n') == 1);
  auto bad = test::labctl({"serve", "--host", "256.1.1.1", "--port", "0"}, env);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("cannot listen on 256.1.1.1:0") != std::string::npos);
  CHECK(health_status(first.port()) == 200);
}

TEST_CASE("serve: 500 concurrent connections are all answered") {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  const int n = static_cast<int>(std::min<rlim_t>(500, limit.rlim_cur / 3));
  test::Server server(test::test_env(test::fresh_database()));
  std::vector<test::RawConnection> connections;
  for (int i = 0; i < n; ++i) connections.emplace_back(server.port());
  for (auto& c : connections) CHECK(c.send(kHealth));
  int answered = 0;
  for (auto& c : connections) answered += test::status_of(c.read_response(20s)) == 200;
  CHECK(answered == n);
}

TEST_CASE_FIXTURE(test::SyncFixture, "serve: requests stuck on a slow upstream leave /health answering") {
  env["LABCTL_MAX_WORKERS"] = "16";
  sandbox.set_faults("chatwoot.inboxes:every,delay_ms=3000");
  test::Server server(env);
  const std::string logged_in = session_headers(server);  // p1, the only project
  std::vector<test::RawConnection> syncs;
  for (int i = 0; i < 8; ++i) {
    syncs.emplace_back(server.port());
    syncs.back().send(post("/connectors/chatwoot/sync", logged_in + "Content-Length: 0\r\n", ""));
  }
  std::this_thread::sleep_for(300ms);  // the eight are inside the handler, waiting on Chatwoot
  for (int i = 0; i < 10; ++i) CHECK(health_status(server.port(), 2s) == 200);
  for (auto& s : syncs) CHECK(test::status_of(s.read_response(60s)) != 0);
  sandbox.set_faults("");
}
