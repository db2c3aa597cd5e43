#include "labctl/core/config.hpp"

#include <toml++/toml.h>

#include <cstdlib>
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
      {"database.pool_size", {"LABCTL_DB_POOL_SIZE"}, "8", "connections `serve` keeps open"},
      {"database.migrations_dir", {"LABCTL_MIGRATIONS_DIR"}, "",
       "read migrations from this directory instead of the ones built into labctl"},
      {"server.host", {"LABCTL_HOST", "HOST"}, "127.0.0.1",
       "address `serve` listens on (loopback until authentication lands)"},
      {"server.port", {"LABCTL_PORT", "PORT"}, "8080", "port `serve` listens on"},
      {"server.cors_origin", {"LABCTL_CORS_ORIGIN", "CORS_ORIGIN"}, "http://localhost:3000",
       "the single origin allowed by CORS"},
      {"server.environment", {"LABCTL_ENV", "NODE_ENV"}, "development",
       "`production` enables HSTS and Secure cookies"},
      {"log.level", {"LABCTL_LOG_LEVEL"}, "info", "trace, debug, info, warn, error or off"},
      {"log.format", {"LABCTL_LOG_FORMAT"}, "auto", "auto (text on a TTY, JSON lines otherwise), text or json"},
      {"output.format", {"LABCTL_OUTPUT"}, "table", "default --output: table, json, ndjson or csv"},
      {"project.default", {"LABCTL_PROJECT"}, "", "project id used when --project is not given"},
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
  // Derived default: the private cluster's home follows the XDG base directory spec. Under
  // root the server runs as an unprivileged user that cannot enter /root, so root's default
  // is the system location for a service's state instead.
  if (cfg.values_["database.data_dir"].value.empty()) {
    auto it = env.find("XDG_DATA_HOME");
    std::string base = it != env.end() && !it->second.empty() ? it->second
                       : geteuid() == 0                       ? "/var/lib"
                                                              : home_dir(env) + "/.local/share";
    cfg.values_["database.data_dir"] = {base + "/labctl/pg", "default"};
  }
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

int Config::get_int(const std::string& key) const {
  const auto& e = entry(key);
  try {
    size_t used = 0;
    int v = std::stoi(e.value, &used);
    if (used == e.value.size()) return v;
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
