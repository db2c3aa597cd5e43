#include "labctl/db/migration_source.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "labctl/core/error.hpp"

namespace labctl::db {

std::vector<Migration> load_migrations(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw config_error("migrations directory " + dir + " does not exist");
  std::vector<Migration> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".sql") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream sql;
    sql << in.rdbuf();
    out.push_back({e.path().filename().string(), sql.str()});
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.filename < b.filename; });
  return out;
}

}  // namespace labctl::db
