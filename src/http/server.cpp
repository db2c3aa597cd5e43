#include "labctl/http/server.hpp"

#include <httplib.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <iostream>
#include <spdlog/spdlog.h>
#include <thread>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"
#include "labctl/core/iso_time.hpp"
#include "labctl/core/json_input.hpp"
#include "labctl/core/metrics.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/db/connection_pool.hpp"
#include "labctl/db/database.hpp"
#include "labctl/db/notifications.hpp"
#include "labctl/domains/events/live_events.hpp"
#include "labctl/domains/rag/rag_runtime.hpp"
#include "labctl/http/connection_gate.hpp"
#include "labctl/http/cookies.hpp"
#include "labctl/http/envelope.hpp"
#include "labctl/http/event_streams.hpp"
#include "labctl/http/listener.hpp"
#include "labctl/http/request_stream.hpp"
#include "labctl/http/router.hpp"
#include "labctl/http/worker_pool.hpp"
#include "labctl/ops/authentication.hpp"
#include "labctl/ops/context.hpp"
#include "labctl/ops/dispatch.hpp"
#include "labctl/ops/rate_limits.hpp"
#include "labctl/ops/registry.hpp"

namespace labctl::http {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

constexpr size_t kMaxBody = 65536;  // api.md §1.2
constexpr milliseconds kWriteTimeout{30000};
// How long a worker that has answered waits for the same connection's next request before it
// hands the connection back to the gate (a benchmark's or a busy UI's next request usually comes
// within a millisecond; a browser's idle connection costs the worker this much, once).
constexpr int kNextRequestWaitMs = 2;

// cpp-httplib parses requests and writes responses; labctl's gate and workers own the sockets,
// so the engine is driven one request at a time through process_request, never listen().
class Engine : public httplib::Server {
 public:
  using httplib::Server::process_request;
};

// What a worker knows about the request it is serving, for the handlers that read a body.
struct Serving {
  RequestStream* stream = nullptr;
  bool close = false;  // the connection cannot carry another request (a body left unread)
  // The request opened an event stream: its project and first bytes; the connection goes to the streams.
  std::optional<std::pair<std::string, std::string>> event_stream;
};
thread_local Serving* serving = nullptr;

// What every answer carries besides its x-request-id (api.md §1.3); fixed when the server starts.
std::vector<std::pair<std::string, std::string>> standard_headers(const Config& config) {
  std::vector<std::pair<std::string, std::string>> h = {
      {"Access-Control-Allow-Origin", config.get("server.cors_origin")},
      {"Access-Control-Allow-Credentials", "true"},
      {"Vary", "Origin"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-DNS-Prefetch-Control", "off"},
      {"Referrer-Policy", "strict-origin-when-cross-origin"},
      {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"},
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src "
       "'self'; connect-src 'self'; frame-ancestors 'none'"}};
  if (config.get("server.environment") == "production")
    h.push_back({"Strict-Transport-Security", "max-age=63072000; includeSubDomains"});
  return h;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

class ApiServer {
 public:
  ApiServer(const Config& config, db::Database& database)
      : config_(config),
        database_(database),
        // Only startup may start the private cluster: one stopped by `labctl db down` stays down.
        pool_([&database] { return database.connect(/*start_cluster=*/false); },
              static_cast<size_t>(std::max(1, config.get_int("database.pool_size")))),
        router_(ops::registry()),
        rag_(config, /*serving=*/true),
        limits_{.head_timeout = milliseconds(config.get_int("server.header_timeout_ms")),
                .idle_timeout = milliseconds(config.get_int("server.idle_timeout_ms")),
                .body_timeout = milliseconds(config.get_int("server.body_timeout_ms")),
                .max_head_bytes = 32768,
                .max_body_bytes = kMaxBody,
                .max_connections = static_cast<size_t>(config.get_int("server.max_connections"))},
        max_requests_(static_cast<size_t>(config.get_int("server.keepalive_max_requests"))),
        cookies_{config.get("auth.session_cookie"), config.get("auth.csrf_cookie"),
                 config.get("server.environment") == "production"},
        standard_headers_(standard_headers(config)),
        limits_per_client_(config) {
    engine_.set_payload_max_length(kMaxBody);
    // What the Keep-Alive header advertises; the gate enforces both.
    engine_.set_keep_alive_max_count(max_requests_);
    engine_.set_keep_alive_timeout(std::max<time_t>(1, limits_.idle_timeout.count() / 1000));
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { dispatch(req, res, ""); };
    engine_.Get(".*", handler);
    engine_.Put(".*", handler);
    engine_.Patch(".*", handler);
    engine_.Delete(".*", handler);
    engine_.Options(".*", handler);
    engine_.Post(".*", [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
      std::string body;
      if (read_body(req, reader, body, res)) dispatch(req, res, body);
    });
    // Failures httplib answers itself (400 for a malformed request line or header, 414 for a long URI).
    engine_.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                            httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      std::string rid = sanitize_request_id(req.get_header_value("X-Request-Id"));
      Error e = res.status == 414 ? Error(ErrorClass::invalid_params, "uri_too_long", "request URI too long")
                                  : Error(ErrorClass::invalid_params, "bad_request", "malformed HTTP request");
      int status = res.status;
      finish(res, rid, e);
      if (status == 414) res.status = 414;
      return httplib::Server::HandlerResponse::Handled;
    }));
    metrics_.set_gauge("app_db_pool_total", [this] { return static_cast<double>(pool_.stats().total); });
    metrics_.set_gauge("app_db_pool_idle", [this] { return static_cast<double>(pool_.stats().idle); });
    metrics_.set_gauge("app_db_pool_waiting", [this] { return static_cast<double>(pool_.stats().waiting); });
  }

  // Serves on `listener` until `stop` is set; then finishes what is in flight (up to the
  // shutdown timeout) and returns.
  void run(const Listener& listener, const std::atomic<bool>& stop) {
    const size_t max_workers = static_cast<size_t>(config_.get_int("server.max_workers"));
    ConnectionGate* gate_of_streams = nullptr;  // streams are adopted only from the gate's connections
    EventStreams streams({.per_project = static_cast<size_t>(config_.get_int("server.sse_max_per_project")),
                          .total = static_cast<size_t>(config_.get_int("server.sse_max_total")),
                          .heartbeat = milliseconds(config_.get_int("server.sse_heartbeat_ms"))},
                         [&](int fd) { gate_of_streams->close(fd); });
    events_ = &streams;
    WorkerPool workers(std::min<size_t>(4, max_workers), max_workers);
    ConnectionGate gate(
        listener.fd, limits_, [&](Connection c) { workers.submit([&, c = std::move(c)]() mutable { serve(gate, workers, std::move(c)); }); },
        [this](int status, const std::string& reason) { return refusal(status, reason); });
    gate_of_streams = &gate;
    // One LISTEN connection: every event published through the database reaches this server's streams.
    db::NotificationListener notifications([this] { return database_.connect(/*start_cluster=*/false); }, events::channels(),
                                      [&](const std::string& channel, const std::string& payload) {
                                        metrics_.inc("app_redis_pubsub_received_messages_total");
                                        auto delivery = events::delivery(channel, payload);
                                        if (!delivery) return metrics_.inc("app_redis_pubsub_callback_errors_total");
                                        metrics_.inc("app_redis_pubsub_published_recipients_total",
                                                     double(streams.publish(delivery->project_id, delivery->name, delivery->data)));
                                      });
    metrics_.set_gauge("app_sse_connections_total", [&] { return double(streams.stats().streams); });
    metrics_.set_gauge("app_sse_projects_subscribed", [&] { return double(streams.stats().projects); });
    metrics_.set_gauge("app_redis_pubsub_subscribed_channels", [&] { return double(notifications.subscribed()); });
    metrics_.set_gauge("app_http_connections_open", [&] { return static_cast<double>(gate.open_connections()); });
    metrics_.set_gauge("app_http_connections_waiting", [&] { return static_cast<double>(gate.held_connections()); });
    metrics_.set_gauge("app_http_workers", [&] { return static_cast<double>(workers.stats().threads); });
    metrics_.set_gauge("app_http_workers_busy", [&] { return static_cast<double>(workers.stats().busy); });
    metrics_.set_gauge("app_http_requests_queued", [&] { return static_cast<double>(workers.stats().queued); });
    for (auto next_sweep = std::chrono::steady_clock::now(); !stop; std::this_thread::sleep_for(milliseconds(100)))
      if (std::chrono::steady_clock::now() >= next_sweep) {
        next_sweep += std::chrono::minutes(5);
        sweep();
      }
    stopping_ = true;
    notifications.stop();
    // Streams end with a last event (the UI reconnects, to another server behind the balancer).
    streams.shutdown("event: shutdown\ndata: " + json{{"at", iso_now()}}.dump() + "\n\n");
    gate.stop();
    ::close(listener.fd);
    // Requests in flight finish (their connections close after the answer), up to the timeout.
    auto deadline = std::chrono::steady_clock::now() + milliseconds(config_.get_int("server.shutdown_timeout_ms"));
    while ((workers.stats().busy > 0 || workers.stats().queued > 0) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(20));
    for (const char* g : {"app_http_connections_open", "app_http_connections_waiting", "app_http_workers",
                          "app_http_workers_busy", "app_http_requests_queued", "app_sse_connections_total",
                          "app_sse_projects_subscribed", "app_redis_pubsub_subscribed_channels"})
      metrics_.set_gauge(g, [] { return 0.0; });
    if (workers.stats().busy > 0) {
      spdlog::warn("shutting down with {} request(s) still running", workers.stats().busy);
      std::_Exit(0);  // the shutdown timeout is a promise
    }
    workers.drain();  // before the gate goes: a finishing request hands its connection back to it
  }

 private:
  // A connection's requests, on a worker: one, and the next ones while they follow quickly; then
  // the connection goes back to the gate for the next one, or is closed.
  void serve(ConnectionGate& gate, const WorkerPool& workers, Connection c) {
    for (;;) {
      RequestStream stream(c.fd, std::move(c.buffer), limits_.max_head_bytes + 4 * limits_.max_body_bytes,
                           std::chrono::steady_clock::now() + limits_.body_timeout, kWriteTimeout);
      Serving state{&stream};
      serving = &state;
      const bool last = c.served + 1 >= max_requests_ || stopping_;
      bool closed = false;
      bool ok = engine_.process_request(stream, last, closed, {});
      serving = nullptr;
      if (state.event_stream) {
        if (ok && !stream.broken()) return events_->adopt(c.fd, state.event_stream->first, std::move(state.event_stream->second));
        events_->cancel(state.event_stream->first);
        return gate.close(c.fd);
      }
      if (!ok || closed || last || state.close || stream.broken() || stopping_)
        return state.close || stream.too_large() ? gate.linger(c.fd)  // the client may still be sending the body we refused
                                                 : gate.close(c.fd);
      c = {c.fd, stream.take_unread(), c.served + 1, 0};
      if (!next_request(c, workers)) return gate.park(std::move(c));
    }
  }

  // Whether the connection's next request is here whole (what came with the last one, and what
  // arrives within kNextRequestWaitMs), while no other request waits for a worker. Anything else
  // (silence, a partial or a refused head, the client's close) goes back to the gate with the bytes
  // read, and the gate's deadlines and refusals apply as to any request.
  bool next_request(Connection& c, const WorkerPool& workers) const {
    if (stopping_ || workers.queued() > 0) return false;
    pollfd readable{c.fd, POLLIN, 0};
    if (c.buffer.empty() && ::poll(&readable, 1, kNextRequestWaitMs) <= 0) return false;
    char chunk[16384];
    while (c.buffer.size() <= limits_.max_head_bytes + limits_.max_body_bytes) {
      ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
      if (n > 0) c.buffer.append(chunk, size_t(n));
      else if (n < 0 && errno == EINTR) continue;
      else break;  // nothing more for now, or closed: the gate sees which
    }
    return assess(c, limits_).state == Readiness::whole;
  }

  void sweep() {
    try {
      auto lease = pool_.acquire();
      ops::sweep_auth_state(*lease, config_);
    } catch (const std::exception& e) {
      spdlog::warn("sweeping expired sessions failed: {}", e.what());
    }
  }

  // The body within api.md's 64 KiB, whatever its framing (Content-Length, chunked, compressed).
  bool read_body(const httplib::Request& req, const httplib::ContentReader& reader, std::string& body,
                 httplib::Response& res) {
    const bool chunked = ascii_lower(req.get_header_value("Transfer-Encoding")) == "chunked";
    if (!chunked && !req.has_header("Content-Length")) return true;  // no body: {} (api.md §1.2)
    const std::string rid = sanitize_request_id(req.get_header_value("X-Request-Id"));
    auto too_large = [&] {
      if (serving) serving->close = true;  // the rest of the body is never read
      finish(res, rid, Error(ErrorClass::payload_too_large, "payload_too_large", "request body exceeds 64 KiB"));
      return false;
    };
    if (!chunked && std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) > kMaxBody)
      return too_large();
    bool over = false;
    bool whole = reader([&](const char* data, size_t length) {
      if (body.size() + length > kMaxBody) {
        over = true;
        return false;
      }
      body.append(data, length);
      return true;
    });
    if (whole) return true;
    if (over || (serving && serving->stream->too_large())) return too_large();
    if (serving) serving->close = true;
    bool late = serving && serving->stream->timed_out();
    finish(res, rid,
           late ? Error(ErrorClass::timed_out, "request_timeout", "request body timed out")
                : Error(ErrorClass::invalid_params, "bad_request", "request body incomplete or malformed"));
    return false;
  }

  void headers(httplib::Response& res, const std::string& request_id) const {
    res.set_header("x-request-id", request_id);
    for (const auto& [name, value] : standard_headers_) res.set_header(name, value);
    res.set_header("Accept-Ranges", "none");  // answers are whole JSON; Range headers are dropped
  }

  void finish(httplib::Response& res, const std::string& request_id, const Error& e) {
    res.status = http_status(e.error_class());
    if (res.status >= 500) metrics_.inc("app_errors_total");
    res.set_content(error_envelope(e, request_id).dump(-1, ' ', false, json::error_handler_t::replace),
                    "application/json");
    headers(res, request_id);
  }

  // The gate's answer to a request it will not pass on (too slow, too large, ambiguous).
  std::string refusal(int status, const std::string& reason) {
    metrics_.inc_labelled("app_http_refused_total", "status", std::to_string(status));
    const std::string rid = random_uuid_v4();
    const char* code = status == 408   ? "request_timeout"
                       : status == 431 ? "headers_too_large"
                       : status == 501 ? "not_implemented"
                       : status == 503 ? "too_many_connections"
                                       : "bad_request";
    std::string body = json{{"ok", false}, {"error", code}, {"message", reason}, {"request_id", rid}}.dump();
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
    out += "x-request-id: " + rid + "\r\n";
    for (const auto& [name, value] : standard_headers_) out += name + ": " + value + "\r\n";
    out += "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
    return out;
  }

  // The request's parameters: the JSON body, then query parameters and path parameters. A body
  // that is not JSON is remembered, to be answered after authentication (a stranger gets 401).
  static json request_input(const httplib::Request& req, const RouteMatch* match, const std::string& body,
                            std::optional<Error>& body_error) {
    json input = json::object();
    if (body.find_first_not_of(" \t\r\n") != std::string::npos) {
      std::string why;
      auto parsed = parse_json_input(body, why);
      if (!parsed) body_error = Error(ErrorClass::invalid_params, "invalid_json", "request body is not valid JSON: " + why);
      else if (parsed->is_object()) input = std::move(*parsed);
    }
    for (const auto& [k, v] : req.params)
      if (!input.contains(k)) input[k] = v;
    if (match)
      for (const auto& [k, v] : match->path_params) input[k] = v;
    return input;
  }

  ops::Credentials credentials(const httplib::Request& req) const {
    ops::Credentials c;
    c.session_id = cookie_value(req.get_header_value("Cookie"), cookies_.session);
    if (req.has_header("X-API-Key")) c.api_key = trim_text(req.get_header_value("X-API-Key"));
    if (req.has_header("X-CSRF-Token")) c.csrf_token = req.get_header_value("X-CSRF-Token");
    c.client_ip = client_address(req.remote_addr, req.get_header_value("X-Forwarded-For"), config_.get("server.trust_proxy"));
    return c;
  }

  void apply_cookies(const ops::SessionCookies& change, httplib::Response& res) const {
    using Change = ops::SessionCookies::Change;
    if (change.change == Change::none) return;
    auto lines = change.change == Change::set ? set_session_cookies(cookies_, change.session_id, change.csrf_token)
                                              : clear_session_cookies(cookies_);
    for (const auto& line : lines) res.set_header("Set-Cookie", line);
  }

  void answer_preflight(httplib::Response& res, const std::string& request_id) {
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", "GET, HEAD, POST");
    res.set_header("Access-Control-Allow-Headers", "content-type, x-csrf-token, x-request-id, x-api-key, x-idempotency-key");
    headers(res, request_id);
  }

  // api.md §5: the answer's head and first frame; the connection then goes to the event streams.
  void open_event_stream(const std::string& project_id, const std::string& request_id) {
    if (!events_->reserve(project_id))
      throw Error(ErrorClass::unavailable, "sse_limit_reached", "Too many event streams; try again later");
    std::string head = "HTTP/1.1 200 OK\r\nx-request-id: " + request_id + "\r\n";
    for (const auto& [name, value] : standard_headers_) head += name + ": " + value + "\r\n";
    head += "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n"
            "X-Accel-Buffering: no\r\n\r\nevent: connected\ndata: " + json{{"project_id", project_id}}.dump() + "\n\n";
    serving->event_stream = {project_id, std::move(head)};
    serving->stream->divert();
  }

  void dispatch(const httplib::Request& req, httplib::Response& res, const std::string& body) {
    auto started = std::chrono::steady_clock::now();
    metrics_.inc("app_requests_total");
    std::string request_id = sanitize_request_id(req.get_header_value("X-Request-Id"));
    auto [prefix, path] = strip_version_prefix(req.path);
    std::string route = "__unknown__";
    std::optional<db::ConnectionPool::Lease> lease;
    // serve() brought the schema up to date before listening, so check_schema is moot here.
    ops::Context ctx(config_, database_, metrics_, ops::Frontend::http, request_id, [&](bool) -> pqxx::connection& {
      if (!lease) lease.emplace(pool_.acquire());
      return **lease;
    });
    ctx.use_rag(&rag_);
    ctx.limits = &limits_per_client_;
    try {
      if (req.method == "OPTIONS") {
        answer_preflight(res, request_id);
      } else {
        auto match = router_.match(req.method, path);
        const ops::Operation& op = match ? *match->op : ops::unknown_route();
        if (match) route = prefix + match->route->path;
        ctx.credentials = credentials(req);
        json input = request_input(req, match ? &*match : nullptr, body, ctx.input_error);
        json result = ops::dispatch(op, match ? match->route : nullptr, ctx, input);
        const ops::HttpRoute& r = *match->route;
        res.status = r.status ? r.status(result) : r.success_status;
        if (r.event_stream && req.method == "GET" && serving)
          open_event_stream(result.at("project_id").get<std::string>(), request_id);
        else if (!op.text.empty())
          res.set_content(result.at(op.text).get<std::string>(), "text/plain; version=0.0.4");
        else {
          json envelope = success_envelope(result, request_id);
          if (!r.with_request_id) envelope.erase("request_id");
          res.set_content(envelope.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
        }
        headers(res, request_id);
      }
    } catch (const Error& e) {
      if (http_status(e.error_class()) >= 500) spdlog::error("{} {} [{}]: {}", req.method, req.path, request_id, e.what());
      // Where the database is, and why it cannot be reached, is for the log, not the client.
      if (e.code() == "db_unavailable") finish(res, request_id, Error(ErrorClass::unavailable, "db_unavailable", "database unavailable"));
      else finish(res, request_id, e);
    } catch (const std::exception& e) {
      spdlog::error("{} {} [{}]: {}", req.method, req.path, request_id, e.what());
      finish(res, request_id, internal_error("Internal server error"));
    }
    apply_cookies(ctx.cookies, res);
    for (const auto& [name, value] : ctx.response_headers) res.set_header(name, value);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    metrics_.inc("app_responses_total");
    metrics_.inc_labelled("app_response_status_total", "status", std::to_string(res.status));
    metrics_.observe_route(route, res.status, ms);
    spdlog::debug("{} {} {} {:.1f}ms [{}]", req.method, req.path, res.status, ms, request_id);
  }

  const Config& config_;
  db::Database& database_;
  db::ConnectionPool pool_;
  Router router_;
  Metrics metrics_;
  rag::RagRuntime rag_;
  const GateLimits limits_;
  const size_t max_requests_;
  const CookieNames cookies_;
  const std::vector<std::pair<std::string, std::string>> standard_headers_;
  ops::RateLimits limits_per_client_;
  std::atomic<bool> stopping_{false};
  EventStreams* events_ = nullptr;  // run()'s
  Engine engine_;
};

}  // namespace

void serve(const Config& config, db::Database& database, const std::string& host, int port) {
  {
    auto conn = database.connect();  // fail fast, and bring the private schema up to date
    database.ensure_schema(*conn);
    ops::require_login_source(*conn, config);
  }
  raise_open_file_limit();
  // Up to max_workers threads come and go: a few malloc arenas, not glibc's eight per core, keep
  // the memory they free for each other instead of in per-thread heaps (RSS stays flat).
  mallopt(M_ARENA_MAX, 4);
  // Signals are taken by one thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Listener listener = open_listener(host, port);
  ApiServer server(config, database);
  std::atomic<bool> stop{false};
  std::thread waiter([&] {
    timespec tick{0, 200'000'000};
    while (!stop)
      if (sigtimedwait(&signals, nullptr, &tick) > 0) {
        spdlog::info("shutting down");
        stop = true;
      }
  });
  std::cout << "listening on http://" << host << ":" << listener.port << std::endl;
  spdlog::info("serving {} on http://{}:{}", database.display_url(), host, listener.port);
  server.run(listener, stop);
  stop = true;
  waiter.join();
}

const char* library_version() { return CPPHTTPLIB_VERSION; }

}  // namespace labctl::http
