#include "labctl/db/embedded_cluster.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "labctl/core/error.hpp"

namespace fs = std::filesystem;

namespace labctl::db {
namespace {

constexpr int kPort = 5432;  // the socket lives in a private directory, so no clash

std::string newest_bindir() {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec))
    if (fs::exists(e.path() / "bin" / "initdb")) found.push_back(e.path() / "bin");
  if (found.empty())
    throw Error(ErrorClass::unavailable, "postgres_not_installed",
                "no PostgreSQL server found in /usr/lib/postgresql (apt-get install postgresql-15), "
                "or set DATABASE_URL");
  std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoi(a.parent_path().filename()) < std::stoi(b.parent_path().filename());
  });
  return found.back().string();
}

// Serialises initdb/start/stop between concurrent labctl processes.
class DirLock {
 public:
  explicit DirLock(const fs::path& file) {
    fd_ = open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ < 0 || flock(fd_, LOCK_EX) != 0)
      throw Error(ErrorClass::unavailable, "db_unavailable", "cannot lock " + file.string());
  }
  ~DirLock() { close(fd_); }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

void chown_to(const fs::path& p, const std::optional<RunAs>& as) {
  if (as && chown(p.c_str(), as->uid, as->gid) != 0)
    throw Error(ErrorClass::unavailable, "db_unavailable", "cannot chown " + p.string() + " to " + as->user);
}

}  // namespace

EmbeddedCluster::EmbeddedCluster(ClusterOptions options) : opts_(std::move(options)) {
  if (geteuid() == 0) {
    run_as_ = lookup_user("postgres");
    if (!run_as_) run_as_ = lookup_user("nobody");
    if (!run_as_)
      throw Error(ErrorClass::unavailable, "db_unavailable",
                  "running as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL");
  }
}

std::string EmbeddedCluster::bin(const std::string& tool) const {
  return (opts_.bindir.empty() ? newest_bindir() : opts_.bindir) + "/" + tool;
}

void EmbeddedCluster::run_checked(const std::vector<std::string>& argv, const std::string& what) const {
  auto r = run_process(argv, run_as_);
  if (r.exit_code != 0) {
    std::string last = r.output;
    while (!last.empty() && last.back() == '\n') last.pop_back();
    auto nl = last.rfind('\n');
    if (nl != std::string::npos) last = last.substr(nl + 1);
    throw Error(ErrorClass::unavailable, "db_unavailable",
                what + " failed (exit " + std::to_string(r.exit_code) + "): " + last + " — see " +
                    (opts_.home / "server.log").string());
  }
}

bool EmbeddedCluster::initialized() const { return fs::exists(opts_.home / "data" / "PG_VERSION"); }

bool EmbeddedCluster::running() const {
  std::ifstream pidfile(opts_.home / "data" / "postmaster.pid");
  pid_t pid = 0;
  if (!(pidfile >> pid) || pid <= 0) return false;
  return kill(pid, 0) == 0 && fs::exists(socket_dir() / (".s.PGSQL." + std::to_string(kPort)));
}

void EmbeddedCluster::initialize() {
  spdlog::info("creating the private PostgreSQL cluster in {}", opts_.home.string());
  auto data = opts_.home / "data";
  fs::create_directories(socket_dir());
  fs::create_directories(data);
  fs::permissions(data, fs::perms::owner_all, fs::perm_options::replace);
  fs::permissions(socket_dir(), fs::perms::owner_all, fs::perm_options::replace);
  chown_to(data, run_as_);
  chown_to(socket_dir(), run_as_);
  // The unprivileged server user must be able to reach its directory.
  if (run_as_) {
    for (fs::path p = opts_.home; !p.empty() && p != p.root_path(); p = p.parent_path()) {
      auto perms = fs::status(p).permissions();
      if ((perms & fs::perms::others_exec) == fs::perms::none && p != opts_.home)
        throw Error(ErrorClass::unavailable, "db_unavailable",
                    "PostgreSQL cannot run as root, and user '" + run_as_->user + "' cannot reach " +
                        p.string() + "; set database.data_dir (LABCTL_DATA_DIR) to a reachable directory");
    }
    chown_to(opts_.home, run_as_);
  }
  run_checked({bin("initdb"), "-D", data.string(), "-U", "labctl", "--auth=trust", "-E", "UTF8",
               "--locale=C.UTF-8", "--no-instructions"},
              "initdb");
  std::ofstream conf(data / "postgresql.conf", std::ios::app);
  conf << "\n# labctl private cluster: unix socket only\n"
       << "listen_addresses = ''\n"
       << "unix_socket_directories = '" << socket_dir().string() << "'\n"
       << "port = " << kPort << "\n"
       << "max_connections = 200\n"
       << "shared_buffers = 256MB\n";
  if (!opts_.durable)
    conf << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
}

bool EmbeddedCluster::ensure_running() {
  if (running()) return false;
  fs::create_directories(opts_.home);
  DirLock lock(opts_.home / ".lock");
  if (!initialized()) initialize();
  bool started = false;
  if (!running()) {
    auto log = opts_.home / "server.log";
    if (!fs::exists(log)) {
      std::ofstream touch(log);
    }
    chown_to(log, run_as_);
    run_checked({bin("pg_ctl"), "-D", (opts_.home / "data").string(), "-l", log.string(), "-w", "-t",
                 "60", "start"},
                "starting PostgreSQL");
    started = true;
  }
  pqxx::connection admin(url_for("postgres"));
  pqxx::nontransaction tx(admin);
  if (tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", opts_.database).empty())
    tx.exec("CREATE DATABASE " + tx.quote_name(opts_.database));
  return started;
}

bool EmbeddedCluster::stop() {
  if (!initialized()) return false;
  DirLock lock(opts_.home / ".lock");
  if (!running()) return false;
  run_checked({bin("pg_ctl"), "-D", (opts_.home / "data").string(), "-m", "fast", "-w", "stop"},
              "stopping PostgreSQL");
  return true;
}

std::string EmbeddedCluster::url_for(const std::string& database) const {
  return "postgresql://labctl@/" + database + "?host=" + socket_dir().string() +
         "&port=" + std::to_string(kPort);
}

std::string EmbeddedCluster::url() const { return url_for(opts_.database); }

}  // namespace labctl::db
