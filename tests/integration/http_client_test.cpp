#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "labctl/core/error.hpp"
#include "labctl/net/circuit_breaker.hpp"
#include "labctl/net/http_client.hpp"

using namespace labctl;
using namespace labctl::net;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// A real HTTP server on 127.0.0.1 whose handler the test scripts. `n` is the 1-based number
// of the request being answered.
class Upstream {
 public:
  using Handler = std::function<void(int n, const httplib::Request&, httplib::Response&)>;

  explicit Upstream(Handler handler) : handler_(std::move(handler)) {
    server_.set_keep_alive_max_count(100);
    auto dispatch = [this](const httplib::Request& req, httplib::Response& res) {
      int n = 0;
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
        n = static_cast<int>(requests_.size());
      }
      handler_(n, req, res);
    };
    server_.Get(".*", dispatch);
    server_.Post(".*", dispatch);
    server_.Put(".*", dispatch);
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs, so wait for it.
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~Upstream() {
    server_.stop();
    thread_.join();
  }

  std::string url(const std::string& path_and_query) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path_and_query;
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::vector<httplib::Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t request_count() const { return requests().size(); }

 private:
  Handler handler_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<httplib::Request> requests_;
};

// Records the waits instead of sleeping, so the retry tests take no wall time.
struct Waits {
  std::vector<milliseconds> seen;
  Sleeper sleeper() {
    return [this](milliseconds ms) { seen.push_back(ms); };
  }
};

RetryPolicy no_jitter() {
  RetryPolicy p;
  p.jitter = 0;
  return p;
}

Error send_expecting_error(HttpClient& client, const Request& request) {
  try {
    client.send(request);
  } catch (const Error& e) {
    return e;
  }
  FAIL("send should have thrown");
  return Error(ErrorClass::internal, "unreachable", "");
}

// A port nothing listens on: bound (so no one else has it right now), never listened, closed.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Every test has breakers of its own, closed.
struct FreshBreakers {
  CircuitBreakerRegistry breakers;
};

}  // namespace

TEST_CASE_FIXTURE(FreshBreakers, "http_client: 503 twice then 200 → 3 requests and the response") {
  Upstream up([](int n, const httplib::Request&, httplib::Response& res) {
    if (n <= 2) {
      res.status = 503;
      res.set_content("busy", "text/plain");
    } else {
      res.set_header("X-Thing", "yes");
      res.set_content(R"({"ok":true})", "application/json");
    }
  });
  Waits waits;
  HttpClient client(breakers, no_jitter(), waits.sleeper());
  auto r = client.send({.url = up.url("/v1/items")});
  CHECK(r.status == 200);
  CHECK(r.body == R"({"ok":true})");
  CHECK(r.attempts == 3);
  CHECK(r.headers["content-type"] == "application/json");
  CHECK(r.headers["x-thing"] == "yes");
  CHECK(up.request_count() == 3);
  CHECK(waits.seen == std::vector<milliseconds>{500ms, 1000ms});
  CHECK(breakers.snapshot().at(0).consecutive_failures == 0);  // success reset it
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: the default jitter keeps each wait within ±20 %") {
  Upstream up([](int n, const httplib::Request&, httplib::Response& res) { res.status = n <= 2 ? 500 : 204; });
  Waits waits;
  HttpClient client(breakers, {}, waits.sleeper());
  CHECK(client.send({.url = up.url("/x")}).status == 204);
  REQUIRE(waits.seen.size() == 2);
  CHECK(waits.seen[0] >= 400ms);
  CHECK(waits.seen[0] <= 600ms);
  CHECK(waits.seen[1] >= 800ms);
  CHECK(waits.seen[1] <= 1200ms);
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: 503 three times → the 503 is returned after 3 attempts") {
  Upstream up([](int, const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    res.set_content("down for maintenance", "text/plain");
  });
  Waits waits;
  HttpClient client(breakers, no_jitter(), waits.sleeper());
  auto r = client.send({.url = up.url("/v1/items")});
  CHECK(r.status == 503);
  CHECK(r.body == "down for maintenance");
  CHECK(r.attempts == 3);
  CHECK(up.request_count() == 3);
  CHECK(waits.seen == std::vector<milliseconds>{500ms, 1000ms});
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: 429 honours Retry-After; without a usable one, the backoff") {
  std::string retry_after;
  Upstream up([&retry_after](int n, const httplib::Request&, httplib::Response& res) {
    if (n == 1) {
      res.status = 429;
      if (!retry_after.empty()) res.set_header("Retry-After", retry_after);
    } else {
      res.set_content("ok", "text/plain");
    }
  });
  Waits waits;
  HttpClient client(breakers, no_jitter(), waits.sleeper());

  SUBCASE("Retry-After: 1") {
    retry_after = "1";
    CHECK(client.send({.url = up.url("/limited")}).status == 200);
    CHECK(waits.seen == std::vector<milliseconds>{1000ms});
  }
  SUBCASE("Retry-After: 999 → the cap") {
    retry_after = "999";
    CHECK(client.send({.url = up.url("/limited")}).status == 200);
    CHECK(waits.seen == std::vector<milliseconds>{120000ms});
  }
  SUBCASE("Retry-After as a date in the past → the 1 s floor") {
    retry_after = "Wed, 21 Oct 2015 07:28:00 GMT";
    CHECK(client.send({.url = up.url("/limited")}).status == 200);
    CHECK(waits.seen == std::vector<milliseconds>{1000ms});
  }
  SUBCASE("garbage Retry-After → normal backoff") {
    retry_after = "later, maybe";
    CHECK(client.send({.url = up.url("/limited")}).status == 200);
    CHECK(waits.seen == std::vector<milliseconds>{500ms});
  }
  SUBCASE("no Retry-After → normal backoff") {
    CHECK(client.send({.url = up.url("/limited")}).status == 200);
    CHECK(waits.seen == std::vector<milliseconds>{500ms});
  }
  CHECK(up.request_count() == 2);
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: 401 and 404 are final after one request") {
  for (int status : {401, 404, 400}) {
    CAPTURE(status);
    Upstream up([status](int, const httplib::Request&, httplib::Response& res) {
      res.status = status;
      res.set_content(R"({"error":"no"})", "application/json");
    });
    Waits waits;
    HttpClient client(breakers, no_jitter(), waits.sleeper());
    auto r = client.send({.url = up.url("/private")});
    CHECK(r.status == status);
    CHECK(r.body == R"({"error":"no"})");
    CHECK(r.attempts == 1);
    CHECK(up.request_count() == 1);
    CHECK(waits.seen.empty());
  }
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: a slow upstream times out, is retried, then throws without secrets") {
  Upstream up([](int, const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(600ms);
    res.set_content("too late", "text/plain");
  });
  RetryPolicy policy = no_jitter();
  policy.timeout = 200ms;
  Waits waits;
  HttpClient client(breakers, policy, waits.sleeper());
  auto started = std::chrono::steady_clock::now();
  auto e = send_expecting_error(client, {.url = up.url("/slow/path?api_key=sekrit-query"),
                                         .headers = {{"Authorization", "Bearer sekrit-token"}}});
  auto elapsed = std::chrono::steady_clock::now() - started;

  CHECK(e.error_class() == ErrorClass::upstream_failed);
  CHECK(e.code() == "upstream_unreachable");
  std::string message = e.what();
  CHECK(message.starts_with("GET " + up.url("/slow/path") + " failed after 3 attempts: "));
  CHECK(message.find("imed out") != std::string::npos);  // curl: "Operation timed out after …"
  CHECK(message.find("sekrit") == std::string::npos);
  CHECK(message.find('?') == std::string::npos);
  CHECK(e.details()["attempts"] == 3);
  CHECK(up.request_count() == 3);
  CHECK(waits.seen == std::vector<milliseconds>{500ms, 1000ms});
  CHECK(elapsed < 1500ms);  // each attempt was cut at ~200 ms, not the handler's 600 ms
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: a job's deadline cuts the attempt short and stops the retries") {
  Upstream up([](int, const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(2500ms);
    res.set_content("too late", "text/plain");
  });
  RetryPolicy policy = no_jitter();
  policy.timeout = 10000ms;
  policy.deadline = Deadline(300ms);
  Waits waits;
  HttpClient client(breakers, policy, waits.sleeper());
  auto started = std::chrono::steady_clock::now();
  auto e = send_expecting_error(client, {.url = up.url("/slow")});
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(e.code() == "job_timeout");
  CHECK(std::string(e.what()) == "job timed out after 300ms");
  CHECK(up.request_count() == 1);  // no retry after the deadline
  CHECK(waits.seen.empty());
  CHECK(elapsed < 2000ms);  // the attempt ended at the deadline, not at the policy's 10 s or the handler's 2.5 s

  // A retry whose wait would end past the deadline is not waited for.
  Upstream busy([](int, const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "60");
  });
  policy.deadline = Deadline(5000ms);
  HttpClient patient(breakers, policy, waits.sleeper());
  CHECK(send_expecting_error(patient, {.url = busy.url("/busy")}).code() == "job_timeout");
  CHECK(busy.request_count() == 1);
  CHECK(waits.seen.empty());

  // A deadline already passed sends nothing.
  policy.deadline = Deadline(0ms);
  HttpClient late(breakers, policy, waits.sleeper());
  CHECK(send_expecting_error(late, {.url = busy.url("/busy")}).code() == "job_timeout");
  CHECK(busy.request_count() == 1);
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: a refused connection throws upstream_unreachable") {
  std::string url = "http://user:hunter2@127.0.0.1:" + std::to_string(closed_port()) + "/v1/x?token=abc";
  Waits waits;
  HttpClient client(breakers, no_jitter(), waits.sleeper());
  auto e = send_expecting_error(client, {.method = "POST", .url = url, .body = "secret-body"});
  CHECK(e.code() == "upstream_unreachable");
  std::string message = e.what();
  CHECK(message.starts_with("POST http://127.0.0.1:"));
  CHECK(message.find("/v1/x failed after 3 attempts: ") != std::string::npos);
  CHECK(message.find("hunter2") == std::string::npos);
  CHECK(message.find("token") == std::string::npos);
  CHECK(message.find("secret-body") == std::string::npos);
  CHECK(waits.seen == std::vector<milliseconds>{500ms, 1000ms});
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: headers, method and body reach the server") {
  Upstream up([](int, const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.method + " " + req.body, "text/plain");
  });
  HttpClient client(breakers);
  auto post = client.send({.method = "POST",
                           .url = up.url("/contacts/create?x=1"),
                           .headers = {{"Authorization", "Bearer t0k"}, {"Content-Type", "application/json"}},
                           .body = R"({"email":"a@b.test"})"});
  CHECK(post.status == 200);
  CHECK(post.body == R"(POST {"email":"a@b.test"})");
  auto put = client.send({.method = "PUT", .url = up.url("/things/1"), .body = "v=2"});
  CHECK(put.body == "PUT v=2");
  auto get = client.send({.url = up.url("/things/1"), .headers = {{"X-Trace", "7"}}});
  CHECK(get.body == "GET ");

  auto seen = up.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].path == "/contacts/create");
  CHECK(seen[0].get_param_value("x") == "1");
  CHECK(seen[0].get_header_value("Authorization") == "Bearer t0k");
  CHECK(seen[0].get_header_value("Content-Type") == "application/json");
  CHECK(seen[0].body == R"({"email":"a@b.test"})");
  CHECK_FALSE(seen[0].has_header("Expect"));
  CHECK(seen[1].method == "PUT");
  CHECK(seen[1].body == "v=2");
  // Nothing of the earlier requests leaks into the next one on the reused handle.
  CHECK(seen[2].method == "GET");
  CHECK(seen[2].body.empty());
  CHECK_FALSE(seen[2].has_header("Authorization"));
  CHECK(seen[2].get_header_value("X-Trace") == "7");
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: sequential requests reuse one TCP connection") {
  Upstream up([](int, const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  HttpClient client(breakers);
  for (int i = 0; i < 5; ++i) CHECK(client.send({.url = up.url("/ping/" + std::to_string(i))}).status == 200);
  CHECK(client.send({.method = "POST", .url = up.url("/ping"), .body = "x"}).status == 200);

  std::set<int> ports;
  for (const auto& req : up.requests()) ports.insert(req.remote_port);
  CHECK(up.request_count() == 6);
  CHECK(ports.size() == 1);

  // A second client is a second connection: the check above can tell them apart.
  HttpClient other(breakers);
  CHECK(other.send({.url = up.url("/ping")}).status == 200);
  CHECK(up.requests().back().remote_port != *ports.begin());
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: after 5 failures the breaker stops calls before any request") {
  Upstream up([](int, const httplib::Request&, httplib::Response& res) { res.status = 502; });
  Waits waits;
  HttpClient client(breakers, no_jitter(), waits.sleeper());

  // 3 failures in the first call; the second call trips the breaker on its 2nd attempt and
  // stops retrying, returning the 502 it got.
  CHECK(client.send({.url = up.url("/a")}).attempts == 3);
  auto tripped = client.send({.url = up.url("/a")});
  CHECK(tripped.status == 502);
  CHECK(tripped.attempts == 2);
  CHECK(up.request_count() == 5);
  CHECK(waits.seen == std::vector<milliseconds>{500ms, 1000ms, 500ms});  // no wait after tripping

  auto e = send_expecting_error(client, {.url = up.url("/b?q=1")});
  CHECK(e.code() == "circuit_open");
  CHECK(e.error_class() == ErrorClass::upstream_failed);
  CHECK(std::string(e.what()).starts_with("circuit open for " + up.host() + ": 5 consecutive failures"));
  CHECK(up.request_count() == 5);  // no network call

  auto snap = breakers.snapshot();
  REQUIRE(snap.size() == 1);
  CHECK(snap[0].host == up.host());
  CHECK(snap[0].state == CircuitState::open);
  CHECK(snap[0].consecutive_failures == 5);

  // Another host (here: the same machine on another port) is unaffected.
  Upstream healthy([](int, const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  CHECK(client.send({.url = healthy.url("/")}).status == 200);
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: a half-open probe that succeeds closes the circuit") {
  std::atomic<bool> healthy = false;
  Upstream up([&healthy](int, const httplib::Request&, httplib::Response& res) {
    res.status = healthy ? 200 : 503;
  });
  auto now = std::chrono::steady_clock::now();
  CircuitBreakerRegistry clocked({}, [&now] { return now; });
  RetryPolicy once = no_jitter();
  once.max_attempts = 1;
  HttpClient client(clocked, once, [](milliseconds) {});

  for (int i = 0; i < 5; ++i) CHECK(client.send({.url = up.url("/")}).status == 503);
  CHECK(clocked.state(up.host()) == CircuitState::open);
  CHECK(send_expecting_error(client, {.url = up.url("/")}).code() == "circuit_open");
  CHECK(breakers.snapshot().empty());  // only the client's own registry knows the host

  now += 30s;
  healthy = true;
  auto probe = client.send({.url = up.url("/")});
  CHECK(probe.status == 200);
  CHECK(clocked.state(up.host()) == CircuitState::closed);
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: an unparseable URL is a config error") {
  HttpClient client(breakers);
  auto e = send_expecting_error(client, {.url = "not a url ?token=abc"});
  CHECK(e.code() == "invalid_url");
  CHECK(e.error_class() == ErrorClass::config);
  CHECK(std::string(e.what()).find("token") == std::string::npos);
}

TEST_CASE_FIXTURE(FreshBreakers, "http_client: a body past max_body_bytes is refused once, not buffered or retried") {
  Upstream up([](int, const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(3 << 20, 'x'), "application/json");
  });
  RetryPolicy small = no_jitter();
  small.max_body_bytes = 1 << 20;
  Waits waits;
  HttpClient client(breakers, small, waits.sleeper());
  auto e = send_expecting_error(client, {.url = up.url("/big?token=secret")});
  CHECK(e.code() == "upstream_too_large");
  CHECK(e.error_class() == ErrorClass::upstream_failed);
  CHECK(std::string(e.what()).find("secret") == std::string::npos);
  CHECK(up.request_count() == 1);
  CHECK(waits.seen.empty());
  small.max_body_bytes = 4 << 20;
  HttpClient roomy(breakers, small, waits.sleeper());
  CHECK(roomy.send({.url = up.url("/big")}).body.size() == size_t(3) << 20);
}
