#pragma once
// What the benchmarks share: a percentile of samples, and a labctl run that must succeed.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <fstream>
#include <functional>
#include <pqxx/pqxx>

#include "support/labctl_process.hpp"
#include "support/test_cluster.hpp"

namespace labctl::bench {

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * double(v.size())))];
}

// `labctl ARGS` with `env`; its JSON output (null when it printed none). Any failure ends the
// benchmark with labctl's message.
inline nlohmann::json checked(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  auto r = test::labctl(args, env);
  if (r.exit_code != 0) {
    std::fprintf(stderr, "labctl %s exited %d: %s\n", args[0].c_str(), r.exit_code, r.err.c_str());
    std::exit(1);
  }
  return r.out.empty() || r.out[0] != '{' ? nlohmann::json() : nlohmann::json::parse(r.out);
}

// The SQL statements `f` sends on `conn`, from libpq's protocol trace: each Query (simple
// protocol) or Bind (extended), BEGIN and COMMIT included.
inline long long count_statements(pqxx::connection& conn, const std::function<void()>& f) {
  static const auto path = test::temp_dir("bench-trace") / "trace";
  std::FILE* file = std::fopen(path.c_str(), "w");
  conn.trace(file);
  f();
  conn.trace(nullptr);
  std::fclose(file);
  std::ifstream in(path);
  long long n = 0;
  for (std::string line; std::getline(in, line);)
    n += line.find("\tF\t") != std::string::npos &&
         (line.find("\tQuery\t") != std::string::npos || line.find("\tBind\t") != std::string::npos);
  return n;
}

}  // namespace labctl::bench
