#include "labctl/http/server.hpp"

#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <spdlog/spdlog.h>
#include <thread>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/ids.hpp"
#include "labctl/core/json_input.hpp"
#include "labctl/core/metrics.hpp"
#include "labctl/db/connection_pool.hpp"
#include "labctl/db/database.hpp"
#include "labctl/domains/rag/rag_runtime.hpp"
#include "labctl/http/envelope.hpp"
#include "labctl/http/router.hpp"
#include "labctl/ops/context.hpp"
#include "labctl/ops/dispatch.hpp"
#include "labctl/ops/registry.hpp"

namespace labctl::http {
namespace {

using json = nlohmann::json;
constexpr size_t kMaxBody = 65536;

class ApiServer {
 public:
  ApiServer(const Config& config, db::Database& database)
      : config_(config),
        database_(database),
        pool_([&database] { return database.connect(); },
              static_cast<size_t>(std::max(1, config.get_int("database.pool_size")))),
        router_(ops::registry()),
        rag_(config, /*serving=*/true),
        production_(config.get("server.environment") == "production") {
    server_.set_payload_max_length(kMaxBody);
    server_.set_keep_alive_max_count(1000);
    server_.set_tcp_nodelay(true);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { dispatch(req, res); };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Put(".*", handler);
    server_.Patch(".*", handler);
    server_.Delete(".*", handler);
    server_.Options(".*", handler);
    // A POST with neither Content-Length nor chunked encoding has no body (RFC 9112 §6.3);
    // httplib would wait for one, so it is dispatched here with the body empty, i.e. {}.
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.method != "POST" || req.has_header("Content-Length") || req.has_header("Transfer-Encoding"))
        return httplib::Server::HandlerResponse::Unhandled;
      dispatch(req, res);
      return httplib::Server::HandlerResponse::Handled;
    });
    // Failures httplib answers itself (413 before the body is read, 400 on a bad request line).
    server_.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      std::string rid = sanitize_request_id(req.get_header_value("X-Request-Id"));
      Error e = res.status == 413
                    ? Error(ErrorClass::payload_too_large, "payload_too_large", "request body exceeds 64 KiB")
                    : Error(ErrorClass::invalid_params, "bad_request", "malformed HTTP request");
      finish(res, rid, e);
      return httplib::Server::HandlerResponse::Handled;
    }));
    metrics_.set_gauge("app_db_pool_total", [this] { return static_cast<double>(pool_.stats().total); });
    metrics_.set_gauge("app_db_pool_idle", [this] { return static_cast<double>(pool_.stats().idle); });
    metrics_.set_gauge("app_db_pool_waiting", [this] { return static_cast<double>(pool_.stats().waiting); });
  }

  int bind(const std::string& host, int port) {
    if (port == 0) return server_.bind_to_any_port(host);
    return server_.bind_to_port(host, port) ? port : -1;
  }
  void run() { server_.listen_after_bind(); }
  void stop() { server_.stop(); }

 private:
  void headers(httplib::Response& res, const std::string& request_id) const {
    res.set_header("x-request-id", request_id);
    res.set_header("Access-Control-Allow-Origin", config_.get("server.cors_origin"));
    res.set_header("Access-Control-Allow-Credentials", "true");
    res.set_header("Vary", "Origin");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-DNS-Prefetch-Control", "off");
    res.set_header("Referrer-Policy", "strict-origin-when-cross-origin");
    res.set_header("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
                   "data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'");
    if (production_) res.set_header("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  }

  void finish(httplib::Response& res, const std::string& request_id, const Error& e) {
    res.status = http_status(e.error_class());
    if (res.status >= 500) metrics_.inc("app_errors_total");
    res.set_content(error_envelope(e, request_id).dump(-1, ' ', false, json::error_handler_t::replace),
                    "application/json");
    headers(res, request_id);
  }

  static json request_input(const httplib::Request& req, const RouteMatch& match) {
    json input = json::object();
    if (req.method == "POST") {
      auto first = req.body.find_first_not_of(" \t\r\n");
      if (first != std::string::npos) {
        std::string why;
        auto body = parse_json_input(req.body, why);
        if (!body) throw Error(ErrorClass::invalid_params, "invalid_json", "request body is not valid JSON: " + why);
        if (body->is_object()) input = std::move(*body);
      }
    }
    for (const auto& [k, v] : req.params)
      if (!input.contains(k)) input[k] = v;
    for (const auto& [k, v] : match.path_params) input[k] = v;
    return input;
  }

  void dispatch(const httplib::Request& req, httplib::Response& res) {
    auto started = std::chrono::steady_clock::now();
    auto& metrics = metrics_;
    metrics.inc("app_requests_total");
    std::string request_id = sanitize_request_id(req.get_header_value("X-Request-Id"));
    auto [prefix, path] = strip_version_prefix(req.path);
    std::string route = "__unknown__";
    try {
      if (req.method == "OPTIONS") {
        res.status = 204;
        res.set_header("Access-Control-Allow-Methods", "GET, HEAD, POST");
        res.set_header("Access-Control-Allow-Headers",
                       "content-type, x-csrf-token, x-request-id, x-api-key, x-idempotency-key");
        headers(res, request_id);
      } else {
        auto match = router_.match(req.method, path);
        if (!match) throw not_found("not_found", "no route for " + req.method + " " + req.path);
        const auto& op = *match->op;
        route = prefix + match->route->path;
        std::optional<db::ConnectionPool::Lease> lease;
        // serve() brought the schema up to date before listening, so check_schema is moot here.
        ops::Context ctx(config_, database_, metrics_, ops::Frontend::http, request_id, [&](bool) -> pqxx::connection& {
          if (!lease) lease.emplace(pool_.acquire());
          return **lease;
        });
        ctx.use_rag(&rag_);
        // Until sessions land, project.default (LABCTL_PROJECT) is every request's active project.
        if (const auto& project = config_.get("project.default"); !project.empty()) ctx.project_id = project;
        json result = ops::dispatch(op, match->route, ctx, request_input(req, *match));
        res.status = match->route->success_status;
        if (!op.text.empty())
          res.set_content(result.at(op.text).get<std::string>(), "text/plain; version=0.0.4");
        else
          res.set_content(success_envelope(result, request_id).dump(-1, ' ', false, json::error_handler_t::replace),
                          "application/json");
        headers(res, request_id);
      }
    } catch (const Error& e) {
      if (http_status(e.error_class()) >= 500) spdlog::error("{} {} [{}]: {}", req.method, req.path, request_id, e.what());
      finish(res, request_id, e);
    } catch (const pqxx::broken_connection& e) {
      spdlog::error("{} {} [{}]: database connection lost: {}", req.method, req.path, request_id, e.what());
      finish(res, request_id, Error(ErrorClass::unavailable, "db_unavailable", "database unavailable"));
    } catch (const std::exception& e) {
      spdlog::error("{} {} [{}]: {}", req.method, req.path, request_id, e.what());
      finish(res, request_id, internal_error("Internal server error"));
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    metrics.inc("app_responses_total");
    metrics.inc_labelled("app_response_status_total", "status", std::to_string(res.status));
    metrics.observe_route(route, ms);
    spdlog::debug("{} {} {} {:.1f}ms [{}]", req.method, req.path, res.status, ms, request_id);
  }

  const Config& config_;
  db::Database& database_;
  db::ConnectionPool pool_;
  Router router_;
  Metrics metrics_;
  rag::RagRuntime rag_;
  bool production_;
  httplib::Server server_;
};

}  // namespace

void serve(const Config& config, db::Database& database, const std::string& host, int port) {
  {
    auto conn = database.connect();  // fail fast, and bring the private schema up to date
    database.ensure_schema(*conn);
  }
  // Signals are taken by one thread; every other thread (httplib's pool) inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ApiServer server(config, database);
  int bound = server.bind(host, port);
  if (bound < 0)
    throw Error(ErrorClass::unavailable, "bind_failed", "cannot listen on " + host + ":" + std::to_string(port));
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    timespec tick{0, 200'000'000};
    while (!done) {
      if (sigtimedwait(&signals, nullptr, &tick) > 0) {
        spdlog::info("shutting down");
        server.stop();
        return;
      }
    }
  });
  std::cout << "listening on http://" << host << ":" << bound << std::endl;
  spdlog::info("serving {} on http://{}:{}", database.display_url(), host, bound);
  server.run();
  done = true;
  waiter.join();
}

const char* library_version() { return CPPHTTPLIB_VERSION; }

}  // namespace labctl::http
