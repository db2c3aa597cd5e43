#include "support/test_cluster.hpp"

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <vector>

#include "labctl/db/embedded_cluster.hpp"
#include "labctl/db/migrator.hpp"

namespace fs = std::filesystem;

namespace labctl::test {
namespace {

class TestCluster {
 public:
  TestCluster() : home_(temp_dir("labctl-test-pg")), cluster_({home_ / "pg", "", false, "labctl_template"}) {
    spdlog::set_level(spdlog::level::warn);  // keep test output to failures
    cluster_.ensure_running();
    pqxx::connection conn(cluster_.url());
    db::apply_migrations(conn, db::embedded_migrations(), false);
  }
  ~TestCluster() {
    try {
      cluster_.stop();
    } catch (...) {
    }
  }

  std::string create(bool from_template) {
    std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(++counter_);
    pqxx::connection admin(cluster_.url_for("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec("CREATE DATABASE " + name + (from_template ? " TEMPLATE labctl_template" : ""));
    return cluster_.url_for(name);
  }

 private:
  fs::path home_;
  db::EmbeddedCluster cluster_;
  std::atomic<int> counter_{0};
};

TestCluster& cluster() {
  static TestCluster instance;
  return instance;
}

struct TempDirs {
  std::mutex mu;
  std::vector<fs::path> dirs;
  ~TempDirs() {
    std::error_code ec;
    for (const auto& d : dirs) fs::remove_all(d, ec);
  }
};

TempDirs& temp_dirs() {
  static TempDirs dirs;  // constructed first, so destroyed after the cluster
  return dirs;
}

}  // namespace

fs::path temp_dir(const std::string& prefix) {
  auto& registry = temp_dirs();
  std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  fs::path dir(buf.data());
  // PostgreSQL runs as an unprivileged user under root; let it reach the directory.
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::replace);
  std::lock_guard lock(registry.mu);
  registry.dirs.push_back(dir);
  return dir;
}

std::string fresh_database() { return cluster().create(true); }
std::string empty_database() { return cluster().create(false); }

}  // namespace labctl::test
