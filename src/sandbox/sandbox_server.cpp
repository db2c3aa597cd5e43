#include "sandbox_server.hpp"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <regex>
#include <thread>

#include "attio_fake.hpp"
#include "chatwoot_fake.hpp"
#include "linear_fake.hpp"
#include "mutations.hpp"
#include "openai_fake.hpp"
#include "time_format.hpp"

namespace labctl::sandbox {
namespace {

constexpr const char* kJson = "application/json; charset=utf-8";

int port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

// The `close` fault: httplib hands handlers no socket, so find this request's connection among
// our descriptors by its two ports and shut it down. The client sees the connection end with no
// response at all; httplib's own write then fails quietly (SIGPIPE is ignored) and it closes the fd.
bool drop_connection(const httplib::Request& req) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return false;
  bool dropped = false;
  while (dirent* e = readdir(dir)) {
    int fd = std::atoi(e->d_name);
    struct stat st {};
    if (fd < 0 || e->d_name[0] == '.' || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t ll = sizeof local, pl = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0 ||
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) != 0)
      continue;
    if (port_of(local) == req.local_port && port_of(peer) == req.remote_port) {
      shutdown(fd, SHUT_RDWR);
      dropped = true;
      break;
    }
  }
  closedir(dir);
  return dropped;
}

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 422: return "Unprocessable Entity";
    case 425: return "Too Early";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
  }
}

// What each service says when it fails with `status` (used by status= faults without body=).
json error_body(const std::string& service, int status, const std::string& message) {
  if (service == "linear") return graphql_errors(message, status == 429 ? "RATELIMITED" : "INTERNAL_SERVER_ERROR");
  if (service == "openai") {
    if (status == 429) return openai_error("Rate limit reached for requests", "requests", nullptr, "rate_limit_exceeded");
    return openai_error(message, status >= 500 ? "server_error" : "invalid_request_error");
  }
  if (service == "attio")
    return attio_error(status, status == 429 ? "rate_limit_error" : "api_error", status == 429 ? "rate_limit_exceeded" : "error", message);
  return {{"error", message}};
}

Reply unauthorized(const std::string& service, const std::string& auth) {
  if (service == "chatwoot")
    return Reply::json(401, auth == "missing" ? json{{"errors", {"You need to sign in or sign up before continuing."}}}
                                              : json{{"error", "Invalid Access Token"}});
  if (service == "linear")
    return Reply::json(401, graphql_errors(auth == "bearer" ? "Authentication failed: send the API key as is, without Bearer"
                                                            : "Authentication required, not authenticated",
                                           "AUTHENTICATION_ERROR"));
  if (service == "openai")
    return Reply::json(401, openai_error(auth == "missing" ? "You didn't provide an API key. You need to provide your API key in an "
                                                             "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
                                                           : "Incorrect API key provided.",
                                         "invalid_request_error", nullptr, "invalid_api_key"));
  return Reply::json(401, attio_error(401, "auth_error", "invalid_auth", "Invalid or missing bearer token"));
}

Reply not_found(const std::string& service, const std::string& what) {
  if (service == "linear") return Reply::json(404, graphql_errors(what, "NOT_FOUND"));
  if (service == "attio") return Reply::json(404, attio_error(404, "invalid_request_error", "not_found", what));
  return Reply::json(404, {{"error", what}});
}

void write(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k, v);
  res.set_content(r.body, kJson);
}

}  // namespace

SandboxServer::SandboxServer(DatasetOptions data, FaultScript faults) : dataset_(data), faults_(std::move(faults)) {
  // Enough workers that delayed requests do not starve the rest.
  server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
  server_.set_payload_max_length(8 * 1024 * 1024);
  server_.set_tcp_nodelay(true);  // else small responses wait out delayed ACKs (~40 ms each)
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { dispatch(req, res); };
  server_.Get(".*", handler);
  server_.Post(".*", handler);
  server_.Put(".*", handler);
  server_.Patch(".*", handler);
  server_.Delete(".*", handler);
  // A POST with neither Content-Length nor chunked encoding has no body; httplib would wait for one.
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "POST" || req.has_header("Content-Length") || req.has_header("Transfer-Encoding"))
      return httplib::Server::HandlerResponse::Unhandled;
    dispatch(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
}

int SandboxServer::bind(const std::string& host, int port) {
  if (port == 0) return server_.bind_to_any_port(host);
  return server_.bind_to_port(host, port) ? port : -1;
}

void SandboxServer::run() { server_.listen_after_bind(); }
void SandboxServer::stop() { server_.stop(); }

void SandboxServer::dispatch(const httplib::Request& req, httplib::Response& res) {
  try {
    if (req.path.rfind("/_sandbox/", 0) == 0)
      admin(req, res);
    else
      api(req, res);
  } catch (const std::exception& e) {
    write(res, Reply::json(500, {{"error", std::string("sandbox error: ") + e.what()}}));
  }
}

// ---- Admin ------------------------------------------------------------------------------------

json SandboxServer::tenants_json() const {
  std::lock_guard lock(data_mutex_);
  const auto& o = dataset_.options();
  json tenants = json::array();
  for (const auto& t : dataset_.tenants()) {
    const auto& cw = t.chatwoot;
    const auto& li = t.linear;
    const auto& at = t.attio;
    tenants.push_back(
        {{"number", t.number},
         {"name", t.name},
         {"chatwoot",
          {{"account_id", cw.account_id},
           {"inboxes", cw.inboxes.size()},
           {"contacts", cw.contacts.size()},
           {"conversations", cw.conversations.size()},
           {"messages", cw.message_total()}}},
         {"linear",
          {{"workspace_id", li.workspace_id},
           {"team_id", li.team_id},
           {"projects", li.projects.size()},
           {"workflow_states", li.states.size()},
           {"cycles", li.cycles.size()},
           {"issues", li.issues.size()}}},
         {"attio",
          {{"workspace_id", at.workspace_id},
           {"companies", at.of(AttioObject::companies).size()},
           {"deals", at.of(AttioObject::deals).size()},
           {"people", at.of(AttioObject::people).size()},
           {"activities", at.of(AttioObject::activities).size()}}}});
  }
  return {{"seed", o.seed}, {"scale", o.scale}, {"started_at", iso_ms(o.start_ms)}, {"tenants", std::move(tenants)}};
}

void SandboxServer::admin(const httplib::Request& req, httplib::Response& res) {
  const std::string& p = req.path;
  const bool get = req.method == "GET", post = req.method == "POST";
  if (get && p == "/_sandbox/health") {
    write(res, Reply::json(200, {{"ok", true}}));
  } else if (get && p == "/_sandbox/requests") {
    write(res, Reply::json(200, log_.to_json(req.get_param_value("target"))));
  } else if (post && p == "/_sandbox/reset") {
    {
      std::lock_guard lock(data_mutex_);
      dataset_.reset();
    }
    {
      std::lock_guard lock(fault_mutex_);
      faults_ = FaultScript{};
    }
    log_.clear();
    write(res, Reply::json(200, {{"ok", true}}));
  } else if (p == "/_sandbox/faults" && (get || post)) {
    std::lock_guard lock(fault_mutex_);
    if (post) {
      try {
        faults_ = FaultScript::parse(req.body);
      } catch (const FaultSpecError& e) {
        return write(res, Reply::json(400, {{"ok", false}, {"error", e.what()}}));
      }
    }
    write(res, Reply::json(200, {{"ok", true}, {"rules", faults_.to_json()}}));
  } else if (get && p == "/_sandbox/tenants") {
    write(res, Reply::json(200, tenants_json()));
  } else if (post && p == "/_sandbox/mutate") {
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return write(res, Reply::json(400, {{"ok", false}, {"error", "body is not JSON"}}));
    std::lock_guard lock(data_mutex_);
    write(res, apply_mutation(dataset_, body));
  } else {
    write(res, Reply::json(404, {{"error", "no admin route " + req.method + " " + p +
                                               " (GET requests|tenants|faults|health, POST reset|faults|mutate)"}}));
  }
}

// ---- API --------------------------------------------------------------------------------------

SandboxServer::Route SandboxServer::classify(const httplib::Request& req) {
  static const std::regex conversations(R"(^/chatwoot/api/v1/accounts/([^/]+)/conversations/?$)");
  static const std::regex messages(R"(^/chatwoot/api/v1/accounts/([^/]+)/conversations/([^/]+)/messages/?$)");
  static const std::regex inboxes(R"(^/chatwoot/api/v1/accounts/([^/]+)/inboxes/?$)");
  static const std::regex graphql(R"(^/linear(?:/([^/]+))?/graphql/?$)");
  static const std::regex records(R"(^/attio(?:/([^/]+))?/v2/objects/([^/]+)/records/?$)");
  static const std::regex activities(R"(^/attio(?:/([^/]+))?/v2/activities/?$)");
  static const std::regex embeddings(R"(^/openai/v1/embeddings/?$)");
  Route r;
  std::smatch m;
  auto captures = [&] {
    for (size_t i = 1; i < m.size(); ++i) r.args.push_back(m[i].str());
  };
  if (std::regex_match(req.path, m, conversations)) {
    r = {"chatwoot", "chatwoot.conversations", "GET", {}, nullptr};
  } else if (std::regex_match(req.path, m, messages)) {
    r = {"chatwoot", "chatwoot.messages", "GET", {}, nullptr};
  } else if (std::regex_match(req.path, m, inboxes)) {
    r = {"chatwoot", "chatwoot.inboxes", "GET", {}, nullptr};
  } else if (std::regex_match(req.path, m, graphql)) {
    r = {"linear", "linear", "POST", {}, json::parse(req.body, nullptr, false)};
    std::string op = graphql_operation(r.body);
    if (!op.empty()) r.target += "." + op;
  } else if (std::regex_match(req.path, m, records) && m[2] != "activities" && attio_object_from(m[2].str())) {
    r = {"attio", "attio." + m[2].str(), "GET", {}, nullptr};
  } else if (std::regex_match(req.path, m, activities)) {
    r = {"attio", "attio.activities", "GET", {}, nullptr};
  } else if (std::regex_match(req.path, m, embeddings)) {
    r = {"openai", "openai.embeddings", "POST", {}, json::parse(req.body, nullptr, false)};
  } else {
    return r;
  }
  captures();
  return r;
}

std::string SandboxServer::check_auth(const Route& route, const httplib::Request& req) {
  if (route.service == "chatwoot") {
    if (!req.has_header("api_access_token")) return "missing";
    return req.get_header_value("api_access_token") == kChatwootToken ? "ok" : "invalid";
  }
  if (!req.has_header("Authorization")) return "missing";
  std::string value = req.get_header_value("Authorization");
  if (route.service == "openai") return value == std::string("Bearer ") + kOpenAIToken ? "ok" : "invalid";
  if (route.service == "linear") {
    if (value == kLinearToken) return "ok";
    return value == std::string("Bearer ") + kLinearToken ? "bearer" : "invalid";
  }
  return value == std::string("Bearer ") + kAttioToken ? "ok" : "invalid";
}

Tenant* SandboxServer::tenant_for(const Route& route, const httplib::Request& req) {
  if (route.service == "chatwoot") {
    auto account = to_int(route.args.at(0));
    return account ? dataset_.by_chatwoot_account(*account) : nullptr;
  }
  // Linear and Attio: a header, else a workspace segment in the path, else the first tenant.
  bool linear = route.service == "linear";
  std::string ws = req.get_header_value(linear ? "x-linear-workspace" : "x-attio-workspace");
  if (ws.empty()) ws = route.args.at(0);
  if (ws.empty()) return &dataset_.tenants().front();
  return linear ? dataset_.by_linear_workspace(ws) : dataset_.by_attio_workspace(ws);
}

Reply SandboxServer::serve(const Route& route, const httplib::Request& req, const PageFault& fault) {
  if (route.service == "openai") return openai_embeddings(route.body, fault);  // pure: no data, no lock
  std::lock_guard lock(data_mutex_);
  Tenant* t = tenant_for(route, req);
  if (!t) return not_found(route.service, "Resource could not be found");
  if (route.target == "chatwoot.conversations") return chatwoot_conversations(dataset_, *t, req, fault);
  if (route.target == "chatwoot.inboxes") return chatwoot_inboxes(*t);
  if (route.target == "chatwoot.messages") return chatwoot_messages(dataset_, *t, route.args.at(1), req, fault);
  if (route.service == "linear") {
    if (route.body.is_discarded()) return Reply::json(400, graphql_errors("Body must be a JSON GraphQL request", "BAD_REQUEST"));
    return linear_graphql(dataset_, *t, graphql_operation(route.body), route.body.value("variables", json::object()), fault);
  }
  auto object = route.target == "attio.activities" ? AttioObject::activities : *attio_object_from(route.args.at(1));
  return attio_list(dataset_, *t, object, req, fault);
}

void SandboxServer::api(const httplib::Request& req, httplib::Response& res) {
  Route route = classify(req);
  uint64_t seq = log_.begin(req, route.target, dataset_.now_ms());
  std::string auth, fault_text;
  auto send = [&](const Reply& r) {
    write(res, r);
    log_.finish(seq, auth, r.status, fault_text);
  };
  if (route.service.empty()) return send(Reply::json(404, {{"error", "no such endpoint: " + req.method + " " + req.path}}));
  if (req.method != route.method)
    return send(Reply::json(405, {{"error", req.path + " takes " + route.method + ", not " + req.method}}));
  auth = check_auth(route, req);
  if (auth != "ok") return send(unauthorized(route.service, auth));
  if (route.service != "openai") {  // OpenAI has no tenants
    std::lock_guard lock(data_mutex_);
    if (!tenant_for(route, req)) return send(not_found(route.service, "Resource could not be found"));
  }

  std::optional<FaultRule> rule;
  {
    std::lock_guard lock(fault_mutex_);
    rule = faults_.next(route.target, req.body);
  }
  PageFault page;
  if (rule) {
    fault_text = rule->text;
    if (rule->delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(rule->delay_ms));
    switch (rule->action) {
      case FaultAction::status: {
        Reply r{rule->status, rule->body.value_or(error_body(route.service, rule->status, reason(rule->status)).dump()), {}};
        if (!rule->retry_after.empty()) r.headers.emplace_back("Retry-After", rule->retry_after);
        if (rule->retry_after_date >= 0)
          r.headers.emplace_back("Retry-After", http_date(std::time(nullptr) + rule->retry_after_date));
        return send(r);
      }
      case FaultAction::close:
        drop_connection(req);
        log_.finish(seq, auth, 0, fault_text);
        return;
      case FaultAction::graphql_error:
        return send(Reply::json(200, graphql_errors(rule->graphql_error, "SANDBOX_FAULT")));
      case FaultAction::malformed: {
        Reply r = serve(route, req, page);
        if (r.status == 200) r.body.resize(r.body.size() / 2);  // a cut-off JSON document
        return send(r);
      }
      case FaultAction::duplicate_across_pages: page.duplicate = true; break;
      case FaultAction::mutate_after: page.mutate_after = true; break;
      case FaultAction::wrong_count: page.wrong_count = true; break;
      case FaultAction::wrong_dimension: page.wrong_dimension = true; break;
      case FaultAction::none: break;
    }
  }
  send(serve(route, req, page));
}

}  // namespace labctl::sandbox
