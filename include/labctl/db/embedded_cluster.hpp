#pragma once
// labctl's own private PostgreSQL cluster: used when no DATABASE_URL is configured.
// Layout under the cluster home: data/ (PGDATA), run/ (unix socket), server.log.
// PostgreSQL refuses to run as root, so under root the server runs as `postgres`
// (Debian's server package creates it) or `nobody`.
#include <filesystem>
#include <optional>
#include <string>

#include "labctl/core/process.hpp"

namespace labctl::db {

struct ClusterOptions {
  std::filesystem::path home;
  std::string bindir;        // "" = newest /usr/lib/postgresql/*/bin
  bool durable = true;       // false (tests): fsync off, faster
  std::string database = "labctl";
};

class EmbeddedCluster {
 public:
  explicit EmbeddedCluster(ClusterOptions options);

  bool initialized() const;
  bool running() const;
  // Creates the cluster if needed and starts it; returns true if it had to start it.
  bool ensure_running();
  // Returns true if it was running.
  bool stop();

  std::string url() const;              // connection URL of `database`
  std::string url_for(const std::string& database) const;
  const std::filesystem::path& home() const { return opts_.home; }
  std::filesystem::path socket_dir() const { return opts_.home / "run"; }

 private:
  std::string bin(const std::string& tool) const;
  void initialize();
  void run_checked(const std::vector<std::string>& argv, const std::string& what) const;

  ClusterOptions opts_;
  std::optional<RunAs> run_as_;
};

}  // namespace labctl::db
