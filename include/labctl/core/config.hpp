#pragma once
// Effective configuration: flags > environment > TOML file > defaults.
// Every key is declared once in config_keys(); examples/config.toml documents them all.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace labctl {

struct ConfigKey {
  std::string name;                  // dotted TOML path, e.g. "server.port"
  std::vector<std::string> env;      // environment variables, strongest first
  std::string default_value;         // "" = unset
  std::string help;
  bool secret = false;               // shown as *** (URLs: only the password)
  long long min = 0, max = 0;        // integers: clamped into [min, max] when max > min
};

const std::vector<ConfigKey>& config_keys();

struct ConfigValue {
  std::string value;
  std::string source;  // "default", "file:<path>", "env:<NAME>", "flag:--<name>"
};

class Config {
 public:
  // Reads the environment and the TOML file. `explicit_file` comes from --config;
  // a named file that does not exist is an error, the default locations are optional.
  static Config load(const std::optional<std::string>& explicit_file);
  // Same, from explicit inputs (tests).
  static Config load_from(const std::map<std::string, std::string>& env,
                          const std::optional<std::string>& explicit_file,
                          const std::vector<std::string>& default_files);

  void set_flag(const std::string& key, const std::string& value, const std::string& flag);

  const std::string& get(const std::string& key) const;
  int get_int(const std::string& key) const;
  bool has(const std::string& key) const { return !get(key).empty(); }
  const ConfigValue& entry(const std::string& key) const;
  // Value as shown to people: secrets redacted.
  std::string display(const std::string& key) const;
  const std::optional<std::string>& file() const { return file_; }
  // An environment variable outside the declared keys, for families named per item
  // (JOB_TIMEOUT_<TYPE>_MS); none when unset or empty.
  std::optional<std::string> environment(const std::string& name) const;

 private:
  std::map<std::string, ConfigValue> values_;
  std::optional<std::string> file_;
  std::map<std::string, std::string> env_;
};

// postgresql://user:secret@host/db → postgresql://user:***@host/db
std::string redact_url(const std::string& url);

}  // namespace labctl
