#include "labctl/core/config.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <unistd.h>

#include "labctl/core/error.hpp"

extern char** environ;

namespace labctl {
namespace {

const ConfigKey* find_key(const std::string& name) {
  for (const auto& k : config_keys())
    if (k.name == name) return &k;
  return nullptr;
}

std::string toml_scalar(const toml::node& node, const std::string& key, const std::string& file) {
  if (auto s = node.value<std::string>()) return *s;
  if (auto i = node.value<int64_t>()) return std::to_string(*i);
  if (auto b = node.value<bool>()) return *b ? "true" : "false";
  throw config_error("config key '" + key + "' in " + file + " must be a string, integer or boolean");
}

void read_file(const std::string& path, std::map<std::string, ConfigValue>& values) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw config_error("cannot parse " + path + ": " + std::string(e.description()) + " (line " +
                       std::to_string(e.source().begin.line) + ")");
  }
  std::function<void(const toml::table&, const std::string&)> walk =
      [&](const toml::table& table, const std::string& prefix) {
        for (const auto& [k, node] : table) {
          std::string name = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
          if (const auto* sub = node.as_table()) {
            walk(*sub, name);
            continue;
          }
          if (!find_key(name)) throw config_error("unknown config key '" + name + "' in " + path);
          values[name] = {toml_scalar(node, name, path), "file:" + path};
        }
      };
  walk(root, "");
}

std::string home_dir(const std::map<std::string, std::string>& env) {
  auto it = env.find("HOME");
  return it == env.end() ? std::string("/root") : it->second;
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = {
      {"database.url", {"LABCTL_DATABASE_URL", "DATABASE_URL"}, "",
       "PostgreSQL connection URL; empty = labctl's own private cluster", true},
      {"database.data_dir", {"LABCTL_DATA_DIR"}, "",
       "where the private cluster lives (default $XDG_DATA_HOME/labctl/pg; as root /var/lib/labctl/pg)"},
      {"database.pg_bindir", {"LABCTL_PG_BINDIR"}, "",
       "PostgreSQL server binaries for the private cluster (default: newest /usr/lib/postgresql/*/bin)"},
      {"database.pool_size", {"LABCTL_DB_POOL_SIZE"}, "8", "connections `serve` keeps open", false, 1, 1000},
      {"database.migrations_dir", {"LABCTL_MIGRATIONS_DIR"}, "",
       "read migrations from this directory instead of the ones built into labctl"},
      {"server.host", {"LABCTL_HOST", "HOST"}, "127.0.0.1",
       "address `serve` listens on (loopback by default; 0.0.0.0 for every interface)"},
      {"server.port", {"LABCTL_PORT", "PORT"}, "8080", "port `serve` listens on (0 = any free port)"},
      {"server.cors_origin", {"LABCTL_CORS_ORIGIN", "CORS_ORIGIN"}, "http://localhost:3000",
       "the single origin allowed by CORS"},
      {"server.environment", {"LABCTL_ENV", "NODE_ENV"}, "development",
       "`production` enables HSTS and Secure cookies"},
      // What `serve` gives a client (integer settings are clamped into their range).
      {"server.max_workers", {"LABCTL_MAX_WORKERS"}, "64", "requests `serve` runs at once; the pool grows to this under load", false, 2, 4096},
      {"server.max_connections", {"LABCTL_MAX_CONNECTIONS"}, "10000", "connections `serve` holds (idle ones cost no thread)", false, 16, 1000000},
      {"server.header_timeout_ms", {"LABCTL_HEADER_TIMEOUT_MS"}, "10000", "time a client has to send a request's headers", false, 100, 600000},
      {"server.body_timeout_ms", {"LABCTL_BODY_TIMEOUT_MS"}, "30000", "time a client has to send a request's body", false, 100, 600000},
      {"server.idle_timeout_ms", {"LABCTL_IDLE_TIMEOUT_MS"}, "5000", "how long an idle keep-alive connection stays open", false, 100, 600000},
      {"server.keepalive_max_requests", {"LABCTL_KEEPALIVE_MAX_REQUESTS"}, "100", "requests one connection may carry", false, 1, 100000},
      {"server.shutdown_timeout_ms", {"SHUTDOWN_TIMEOUT_MS"}, "30000", "how long SIGTERM waits for requests in flight (serve) or the current job (worker, then exit 10)", false, 0, 600000},
      {"server.trust_proxy", {"TRUST_PROXY"}, "",
       "client IP for rate limits: empty = the peer address; true = the first X-Forwarded-For entry; "
       "a number N = the entry N proxies back"},
      // Live events (spec/api.md §5).
      {"server.sse_max_per_project", {"SSE_MAX_CONNECTIONS_PER_PROJECT"}, "20", "event streams one project may have open on one `serve`", false, 1, 100000},
      {"server.sse_max_total", {"SSE_MAX_CONNECTIONS"}, "500", "event streams one `serve` holds", false, 1, 1000000},
      {"server.sse_heartbeat_ms", {"SSE_HEARTBEAT_MS"}, "25000", "how often an event stream gets a heartbeat", false, 100, 600000},
      // Request limits per `serve` process, per 60-second window (spec/api.md §1.7).
      {"server.rate_limit_ip", {"RATE_LIMIT_IP_PER_MINUTE"}, "60", "requests one client IP may make to routes that need a login", false, 1, 100000000},
      {"server.rate_limit_auth", {"RATE_LIMIT_AUTH_PER_MINUTE"}, "30", "requests one client IP may make to /auth/*", false, 1, 100000000},
      {"server.rate_limit_caller", {"RATE_LIMIT_SESSION_PER_MINUTE"}, "200", "requests one session or API key may make", false, 1, 100000000},
      {"server.rate_limit_expensive", {"RATE_LIMIT_EXPENSIVE_PER_MINUTE"}, "10",
       "requests one client IP may make to each expensive route (search, queries, syncs, embedding runs)", false, 1, 100000000},
      // Authentication (spec/api.md §2).
      {"auth.credentials", {"AUTH_CREDENTIALS"}, "",
       "the environment owner as login:secret (the secret a bcrypt hash, or plaintext)", true},
      {"auth.username", {"AUTH_USERNAME", "ADMIN_USERNAME"}, "", "the environment owner's login, when auth.credentials is not set"},
      {"auth.password", {"AUTH_PASSWORD", "ADMIN_PASSWORD"}, "", "the environment owner's password or bcrypt hash", true},
      {"auth.session_cookie", {"SESSION_COOKIE_NAME"}, "sid", "name of the session cookie"},
      {"auth.csrf_cookie", {"CSRF_COOKIE_NAME"}, "csrf_token", "name of the CSRF token cookie"},
      {"auth.login_max_attempts", {"LOGIN_RATE_LIMIT_MAX_ATTEMPTS"}, "10",
       "failed logins of one (client IP, username) that lock it for the rest of the window", false, 3, 100},
      {"auth.login_window_minutes", {"LOGIN_RATE_LIMIT_WINDOW_MINUTES"}, "15",
       "the failed-login window, opened by the first failure", false, 1, 1440},
      // The scheduler (spec/scheduler-and-intelligence.md §1.4–1.5); integer settings are clamped into their range.
      {"scheduler.tick_limit", {"WORKER_TICK_LIMIT"}, "25", "jobs one tick runs per project", false, 1, 100},
      {"scheduler.max_concurrent", {"SCHEDULER_MAX_CONCURRENT_JOBS"}, "10", "jobs one process runs at once", false, 1, 100},
      {"scheduler.dead_job_minutes", {"DEAD_JOB_THRESHOLD_MINUTES"}, "30",
       "a job running longer than this (and than its timeout + 5 minutes) is released by the next tick", false, 5, 1440},
      {"scheduler.max_retries", {"JOB_MAX_RETRIES"}, "10", "consecutive failures that suspend a job", false, 1, 100},
      {"scheduler.backoff_base_seconds", {"JOB_RETRY_BACKOFF_BASE_SECONDS"}, "30", "first retry delay of a failed job (doubles, with jitter)", false, 5, 600},
      {"scheduler.backoff_cap_seconds", {"JOB_RETRY_BACKOFF_CAP_SECONDS"}, "3600", "longest retry delay of a failed job", false, 60, 86400},
      {"storage.budget_gb", {"STORAGE_BUDGET_GB"}, "20", "the database size `jobs status` measures usage against, in GiB", false, 1, 1000000},
      {"retention.outbound_days", {"OUTBOUND_RETENTION_DAYS"}, "90", "sent, failed, blocked and cancelled outbound messages older than this are deleted", false, 7, 730},
      {"retention.outbound_batch", {"OUTBOUND_RETENTION_BATCH"}, "1000", "outbound messages one retention run deletes per project", false, 100, 50000},
      {"retention.analytics_batch", {"ANALYTICS_RETENTION_BATCH_SIZE"}, "1000", "rows one analytics retention run deletes per table and project", false, 100, 20000},
      {"retention.search_analytics_days", {"SEARCH_ANALYTICS_RETENTION_DAYS"}, "365", "search analytics events older than this are deleted", false, 7, 3650},
      {"retention.lightrag_query_runs_days", {"LIGHTRAG_QUERY_RUNS_RETENTION_DAYS"}, "180", "logged LightRAG queries older than this are deleted", false, 7, 3650},
      {"worker.interval_seconds", {"WORKER_INTERVAL_SECONDS"}, "60", "how long `labctl worker` sleeps between ticks", false, 1, 86400},
      {"scheduler.job_timeout_ms", {"JOB_TIMEOUT_MS"}, "600000", "a scheduled job's timeout (JOB_TIMEOUT_<TYPE>_MS overrides it per type, at most 30 min); a running row's lease outlasts the longest by 5 minutes", false, 1000, 1800000},
      {"log.level", {"LABCTL_LOG_LEVEL"}, "info", "trace, debug, info, warn, error or off"},
      {"log.format", {"LABCTL_LOG_FORMAT"}, "auto", "auto (text on a TTY, JSON lines otherwise), text or json"},
      {"output.format", {"LABCTL_OUTPUT"}, "table", "default --output: table, json, ndjson or csv"},
      {"project.default", {"LABCTL_PROJECT"}, "", "project id used when --project is not given"},
      // Connectors (spec/connectors.md); integer settings are clamped into their range.
      {"connectors.mode", {"CONNECTOR_MODE"}, "http", "http (mcp is not available)"},
      {"connectors.retry_base_seconds", {"CONNECTOR_RETRY_BASE_SECONDS"}, "30", "first retry delay of a failed sync", false, 5, 300},
      {"connectors.max_retries", {"CONNECTOR_MAX_RETRIES"}, "5", "attempts before an error is dead-lettered", false, 1, 20},
      {"connectors.min_completeness_pct", {"CONNECTOR_RECONCILIATION_MIN_COMPLETENESS_PCT"}, "95",
       "reconciliation threshold for warnings and `labctl reconcile`", false, 0, 100},
      {"connectors.http_timeout_ms", {"CONNECTOR_HTTP_TIMEOUT_MS"}, "20000", "per-attempt timeout of connector HTTP calls", false, 100, 300000},
      {"connectors.http_retries", {"CONNECTOR_HTTP_RETRIES"}, "2", "retries of a failed connector HTTP call", false, 0, 10},
      {"connectors.backoff_ms", {"CONNECTOR_HTTP_BACKOFF_MS"}, "500", "first backoff of a retried HTTP call (doubles, with jitter)", false, 1, 60000},
      {"connectors.retry_after_cap_ms", {"CONNECTOR_HTTP_RETRY_AFTER_CAP_MS"}, "120000", "longest Retry-After honoured", false, 1000, 600000},
      {"chatwoot.base_url", {"CHATWOOT_BASE_URL"}, "", "Chatwoot base URL, e.g. https://chat.example.com"},
      {"chatwoot.api_token", {"CHATWOOT_API_TOKEN"}, "", "Chatwoot API access token", true},
      {"chatwoot.account_id", {"CHATWOOT_ACCOUNT_ID"}, "", "account bound to the first project that syncs without a binding"},
      {"chatwoot.conversations_limit", {"CHATWOOT_CONVERSATIONS_LIMIT"}, "60", "conversations per run (--full: no limit)", false, 1, 100000},
      {"chatwoot.messages_limit", {"CHATWOOT_MESSAGES_LIMIT"}, "300", "messages per conversation per run", false, 1, 100000},
      {"chatwoot.lookback_days", {"CHATWOOT_LOOKBACK_DAYS"}, "7", "how far back the first run reaches", false, 1, 3650},
      {"chatwoot.per_page", {"CHATWOOT_CONVERSATIONS_PER_PAGE"}, "25", "conversations per page", false, 1, 100},
      {"chatwoot.pages_limit", {"CHATWOOT_PAGES_LIMIT"}, "20", "conversation pages per run (--full: no limit)", false, 1, 100000},
      {"linear.base_url", {"LINEAR_BASE_URL"}, "https://api.linear.app/graphql", "Linear GraphQL endpoint"},
      {"linear.api_token", {"LINEAR_API_TOKEN"}, "", "Linear API key (sent without Bearer)", true},
      {"linear.workspace_id", {"LINEAR_WORKSPACE_ID"}, "", "workspace bound to the first project that syncs without a binding"},
      {"linear.sync_limit", {"LINEAR_SYNC_LIMIT"}, "200", "records per GraphQL page", false, 1, 1000},
      {"linear.max_pages", {"LINEAR_SYNC_MAX_PAGES"}, "100", "issue pages per run", false, 1, 100000},
      {"attio.base_url", {"ATTIO_BASE_URL"}, "https://api.attio.com", "Attio API base URL"},
      {"attio.api_token", {"ATTIO_API_TOKEN"}, "", "Attio API token (sent as Bearer)", true},
      {"attio.workspace_id", {"ATTIO_WORKSPACE_ID"}, "", "workspace bound to the first project that syncs without a binding"},
      {"attio.sync_limit", {"ATTIO_SYNC_LIMIT"}, "200", "records per page", false, 1, 1000},
      {"attio.max_pages", {"ATTIO_SYNC_MAX_PAGES"}, "50", "pages per object per run", false, 1, 100000},
      {"rag.chunk_size", {"CHUNK_SIZE"}, "1000", "characters per message chunk", false, 200, 4000},
      {"rag.min_embed_chars", {"MIN_EMBED_CHARS"}, "30", "shortest message text that is chunked", false, 1, 2000},
      {"rag.embedding_model", {"EMBEDDING_MODEL"}, "text-embedding-3-small", "model recorded on new chunks"},
      {"rag.embedding_dim", {"EMBEDDING_DIM"}, "1536", "length of every OpenAI embedding vector", false, 128, 4096},
      {"rag.providers", {"EMBEDDING_PROVIDERS"}, "auto",
       "embedding providers tried in order, e.g. openai,local; auto = openai,local with OPENAI_API_KEY, else local"},
      {"rag.local_dim", {"LOCAL_EMBEDDING_DIM"}, "384", "vector length of the offline local provider", false, 64, 4096},
      {"rag.embedding_prices", {"EMBEDDING_PRICES"},
       "text-embedding-3-small=0.02,text-embedding-3-large=0.13,text-embedding-ada-002=0.10",
       "USD per million tokens by model, for provider_usage (unlisted models cost 0)"},
      {"rag.embed_batch_size", {"EMBED_BATCH_SIZE"}, "100", "chunks one embedding batch claims", false, 1, 100},
      {"rag.embed_max_attempts", {"EMBED_MAX_ATTEMPTS"}, "5", "counted (permanent) failures before a chunk is failed", false, 1, 20},
      {"rag.stale_recovery_minutes", {"EMBED_STALE_RECOVERY_MINUTES"}, "30",
       "minutes after which a chunk stuck in processing is recovered", false, 1, 1440},
      {"rag.index_dir", {"LABCTL_INDEX_DIR"}, "",
       "where vector index files live (default $XDG_CACHE_HOME/labctl/index; as root /var/cache/labctl/index)"},
      {"rag.hnsw_ef_search", {"SEARCH_HNSW_EF_SEARCH"}, "400", "HNSW candidates per query (at least top-k)", false, 1, 1000},
      {"rag.ivfflat_probes", {"SEARCH_IVFFLAT_PROBES"}, "10", "echoed in search_config only (no IVFFlat index)", false, 1, 1000},
      {"rag.exact_search_max", {"LABCTL_EXACT_SEARCH_MAX"}, "20000",
       "scopes or date-filtered sets up to this many vectors are searched exactly", false, 0, 10000000},
      {"rag.query_cache_seconds", {"LIGHTRAG_CACHE_TTL_SECONDS"}, "300", "how long `serve` caches a LightRAG answer (0 = off)", false, 0, 86400},
      {"openai.base_url", {"OPENAI_BASE_URL"}, "https://api.openai.com/v1", "OpenAI-compatible API base URL"},
      {"openai.api_key", {"OPENAI_API_KEY"}, "", "OpenAI API key (sent as Bearer)", true},
      {"openai.embed_max_inputs", {"OPENAI_EMBED_MAX_INPUTS"}, "100", "texts per embeddings request", false, 1, 100},
      {"openai.timeout_ms", {"OPENAI_TIMEOUT_MS"}, "20000", "per-attempt timeout of an embeddings request", false, 1000, 120000},
      {"openai.token_budget_per_run", {"OPENAI_TOKEN_BUDGET_PER_RUN"}, "500000", "tokens one embedding run may spend", false, 1000, 10000000},
  };
  return keys;
}

Config Config::load(const std::optional<std::string>& explicit_file) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::string xdg = env.count("XDG_CONFIG_HOME") && !env["XDG_CONFIG_HOME"].empty()
                        ? env["XDG_CONFIG_HOME"]
                        : home_dir(env) + "/.config";
  auto file = explicit_file;
  if (!file && env.count("LABCTL_CONFIG") && !env["LABCTL_CONFIG"].empty()) file = env["LABCTL_CONFIG"];
  return load_from(env, file, {xdg + "/labctl/config.toml", "/etc/labctl/config.toml"});
}

Config Config::load_from(const std::map<std::string, std::string>& env,
                         const std::optional<std::string>& explicit_file,
                         const std::vector<std::string>& default_files) {
  Config cfg;
  cfg.env_ = env;
  for (const auto& k : config_keys()) cfg.values_[k.name] = {k.default_value, "default"};

  if (explicit_file) {
    if (!std::filesystem::exists(*explicit_file))
      throw config_error("config file " + *explicit_file + " does not exist");
    cfg.file_ = *explicit_file;
  } else {
    for (const auto& f : default_files)
      if (std::filesystem::exists(f)) {
        cfg.file_ = f;
        break;
      }
  }
  if (cfg.file_ && !std::filesystem::is_regular_file(*cfg.file_))
    throw config_error("config file " + *cfg.file_ + " is not a file");
  if (cfg.file_) read_file(*cfg.file_, cfg.values_);

  for (const auto& k : config_keys()) {
    for (const auto& name : k.env) {
      auto it = env.find(name);
      if (it != env.end() && !it->second.empty()) {
        cfg.values_[k.name] = {it->second, "env:" + name};
        break;
      }
    }
  }
  // Derived defaults follow the XDG base directory spec. Under root the server runs as an
  // unprivileged user that cannot enter /root, so root's defaults are the system locations.
  auto xdg = [&](const char* var, const std::string& as_root, const std::string& in_home) {
    auto it = env.find(var);
    return it != env.end() && !it->second.empty() ? it->second : geteuid() == 0 ? as_root : home_dir(env) + in_home;
  };
  if (cfg.values_["database.data_dir"].value.empty())
    cfg.values_["database.data_dir"] = {xdg("XDG_DATA_HOME", "/var/lib", "/.local/share") + "/labctl/pg", "default"};
  if (cfg.values_["rag.index_dir"].value.empty())
    cfg.values_["rag.index_dir"] = {xdg("XDG_CACHE_HOME", "/var/cache", "/.cache") + "/labctl/index", "default"};
  // Every integer setting must be one, whichever command runs: a bad value is found when it is
  // set, not when the cron job that reads it fails halfway.
  for (const auto& k : config_keys())
    if (k.max > k.min) cfg.get_int(k.name);
  return cfg;
}

void Config::set_flag(const std::string& key, const std::string& value, const std::string& flag) {
  if (!find_key(key)) throw internal_error("unknown config key " + key);
  values_[key] = {value, "flag:" + flag};
}

const ConfigValue& Config::entry(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw internal_error("unknown config key " + key);
  return it->second;
}

const std::string& Config::get(const std::string& key) const { return entry(key).value; }

std::optional<std::string> Config::environment(const std::string& name) const {
  auto it = env_.find(name);
  if (it == env_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

int Config::get_int(const std::string& key) const {
  const auto& e = entry(key);
  try {
    size_t used = 0;
    long long v = std::stoll(e.value, &used);
    const auto* k = find_key(key);
    if (k && k->max > k->min) v = std::clamp(v, k->min, k->max);
    if (used == e.value.size()) return static_cast<int>(v);
  } catch (const std::exception&) {
  }
  throw config_error("config key '" + key + "' (" + e.source + ") must be an integer, got '" + e.value + "'");
}

std::string Config::display(const std::string& key) const {
  const auto* k = find_key(key);
  const auto& v = get(key);
  if (!k || !k->secret || v.empty()) return v;
  if (v.find("://") != std::string::npos) return redact_url(v);
  return "***";
}

std::string redact_url(const std::string& input) {
  // libpq also takes the password as a parameter: `?password=x` or `password=x`.
  std::string url = input;
  for (size_t p = url.find("password="); p != std::string::npos; p = url.find("password=", p + 1)) {
    size_t start = p + 9;
    size_t end = url.find_first_of("& ", start);
    url.replace(start, (end == std::string::npos ? url.size() : end) - start, "***");
  }
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto start = scheme + 3;
  auto at = url.find('@', start);
  auto slash = url.find('/', start);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
  auto colon = url.find(':', start);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace labctl
