#include "labctl/net/http_client.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <thread>

#include "labctl/core/error.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/net/circuit_breaker.hpp"

namespace labctl::net {
namespace {

using std::chrono::milliseconds;

void ensure_curl_initialised() {
  // A function-local static is initialised exactly once, even with racing threads.
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) throw internal_error(std::string("curl_global_init failed: ") + curl_easy_strerror(rc));
}

// What may be said about a URL in errors and logs, and the breaker's key.
struct Target {
  std::string safe_url;  // scheme://host[:port]/path — no user:password, query or fragment
  std::string host;      // host[:port]
  std::vector<std::string> secrets;  // query and password, scrubbed from curl's error text
};

Target describe(const std::string& method, const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    throw Error(ErrorClass::config, "invalid_url", "invalid URL for a " + method + " request");
  auto part = [&](CURLUPart which) {
    char* text = nullptr;
    if (curl_url_get(u.get(), which, &text, 0) != CURLUE_OK) return std::string();
    std::string out = text;
    curl_free(text);
    return out;
  };
  Target t;
  std::string port = part(CURLUPART_PORT);  // empty unless the URL names one
  t.host = part(CURLUPART_HOST) + (port.empty() ? "" : ":" + port);
  t.safe_url = part(CURLUPART_SCHEME) + "://" + t.host + part(CURLUPART_PATH);
  for (auto secret : {part(CURLUPART_QUERY), part(CURLUPART_PASSWORD)})
    if (!secret.empty()) t.secrets.push_back(secret);
  return t;
}

std::string scrub(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets)
    for (size_t at; (at = text.find(secret)) != std::string::npos;) text.replace(at, secret.size(), "…");
  return text;
}

// Where a response body goes: at most `max` bytes, so no upstream can fill the memory.
struct BodySink {
  std::string* body;
  size_t max;
  bool overflow = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& sink = *static_cast<BodySink*>(user);
  if (sink.body->size() + size * count > sink.max) {
    sink.overflow = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  sink.body->append(data, size * count);
  return size * count;
}

// Called once per header line. A status line starts a new block (after a 100 Continue, say),
// so only the final response's headers survive.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& headers = *static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers.clear();
  } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name = ascii_lower(trim_text(line.substr(0, colon)));
    std::string value = trim_text(line.substr(colon + 1));
    auto [it, inserted] = headers.try_emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  return size * count;
}

}  // namespace

struct HttpClient::Impl {
  RetryPolicy policy;
  Sleeper sleeper;
  CircuitBreakerRegistry* breakers;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl{nullptr, curl_easy_cleanup};
  std::mt19937 rng{std::random_device{}()};
  char error_buffer[CURL_ERROR_SIZE] = {};

  struct Attempt {
    CURLcode code = CURLE_OK;
    std::string error;  // curl's text when code != CURLE_OK
    bool too_large = false;
    bool cut_at_deadline = false;  // its timeout was what was left of the job's time
    Response response;
  };

  Attempt perform(const Request& request) {
    CURL* h = curl.get();
    // Reset drops the previous request's options but keeps the open connections for reuse.
    curl_easy_reset(h);
    Attempt a;
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
    bool has_expect = false;
    for (const auto& [name, value] : request.headers) {
      has_expect = has_expect || ascii_lower(name) == "expect";
      // "Name;" is curl's spelling of a header with an empty value.
      std::string line = value.empty() ? name + ";" : name + ": " + value;
      headers.reset(curl_slist_append(headers.release(), line.c_str()));
    }
    // Without this curl sends "Expect: 100-continue" for large bodies and stalls on servers
    // that never answer it.
    if (!has_expect) headers.reset(curl_slist_append(headers.release(), "Expect:"));

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts in a threaded program
    milliseconds timeout = policy.timeout;
    if (policy.deadline && policy.deadline->left() < timeout) {
      timeout = std::max(policy.deadline->left(), milliseconds(1));
      a.cut_at_deadline = true;
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(policy.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    BodySink sink{&a.response.body, policy.max_body_bytes};
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &a.response.headers);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
    error_buffer[0] = '\0';

    if (request.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (request.method == "GET" && request.body.empty()) {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
      if (request.method == "POST" || !request.body.empty()) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      }
      if (request.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    a.code = curl_easy_perform(h);
    a.too_large = sink.overflow;
    if (a.code == CURLE_OK) {
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.response.status);
    } else {
      a.error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(a.code);
    }
    return a;
  }

  milliseconds wait_before_retry(const Response& response, int retry) {
    if (response.status == 429) {
      if (auto it = response.headers.find("retry-after"); it != response.headers.end())
        if (auto wait = parse_retry_after(it->second, std::chrono::system_clock::now(), policy.retry_after_cap))
          return *wait;
    }
    return backoff_delay(policy, retry, std::uniform_real_distribution<double>(0.0, 1.0)(rng));
  }
};

HttpClient::HttpClient(CircuitBreakerRegistry& breakers, RetryPolicy policy, Sleeper sleeper)
    : impl_(std::make_unique<Impl>()) {
  ensure_curl_initialised();
  impl_->policy = policy;
  impl_->sleeper = sleeper ? std::move(sleeper) : Sleeper([](milliseconds ms) { std::this_thread::sleep_for(ms); });
  impl_->breakers = &breakers;
  impl_->curl.reset(curl_easy_init());
  if (!impl_->curl) throw internal_error("curl_easy_init failed");
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

const RetryPolicy& HttpClient::policy() const { return impl_->policy; }

Response HttpClient::send(const Request& request) {
  Target target = describe(request.method, request.url);
  CircuitBreakerRegistry& breakers = *impl_->breakers;
  const int max_attempts = std::max(1, impl_->policy.max_attempts);

  for (int attempt = 1;; ++attempt) {
    const auto& deadline = impl_->policy.deadline;
    if (deadline) deadline->check();
    breakers.acquire(target.host);  // per attempt, so a call whose retries trip it stops here
    Impl::Attempt a;
    try {
      a = impl_->perform(request);
    } catch (...) {
      breakers.record_failure(target.host);  // an admitted probe must always report back
      throw;
    }
    a.response.attempts = attempt;
    if (a.too_large) {  // the same request would bring the same answer: not retried
      breakers.record_success(target.host);
      throw Error(ErrorClass::upstream_failed, "upstream_too_large",
                  request.method + " " + target.safe_url + " answered more than " +
                      std::to_string(impl_->policy.max_body_bytes >> 20) + " MiB",
                  {{"attempts", attempt}});
    }

    bool network_failure = a.code != CURLE_OK;
    if (!network_failure && !is_retryable_status(a.response.status)) {
      breakers.record_success(target.host);
      return std::move(a.response);
    }
    bool circuit_opened = breakers.record_failure(target.host);
    // The attempt ran out of the job's time (curl's clock may end it a hair early): a timeout.
    if (deadline && (deadline->passed() || (a.cut_at_deadline && a.code == CURLE_OPERATION_TIMEDOUT)))
      throw deadline->error();
    std::string reason = network_failure ? scrub(a.error, target.secrets) : std::to_string(a.response.status);

    // Out of attempts, or no point waiting for a host we just gave up on: a retryable
    // response goes back to the caller, a network failure becomes an error.
    if (attempt >= max_attempts || circuit_opened) {
      if (!network_failure) return std::move(a.response);
      throw Error(ErrorClass::upstream_failed, "upstream_unreachable",
                  request.method + " " + target.safe_url + " failed after " + std::to_string(attempt) +
                      " attempt" + (attempt == 1 ? "" : "s") + ": " + reason,
                  {{"attempts", attempt}, {"circuit_open", circuit_opened}});
    }
    milliseconds wait = impl_->wait_before_retry(a.response, attempt - 1);
    if (deadline && wait >= deadline->left()) throw deadline->error();  // the retry would start too late
    spdlog::debug("retrying {} {} after {} (attempt {} of {}, waiting {} ms)", request.method, target.safe_url,
                  reason, attempt + 1, max_attempts, wait.count());
    impl_->sleeper(wait);
  }
}

std::string query_escape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace labctl::net
