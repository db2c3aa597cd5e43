#pragma once
// What the benchmarks share: a percentile of samples, and a labctl run that must succeed.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/labctl_process.hpp"

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

}  // namespace labctl::bench
