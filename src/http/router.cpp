#include "labctl/http/router.hpp"

namespace labctl::http {
namespace {

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end;
  }
  return out;
}

}  // namespace

Router::Router(const std::vector<ops::Operation>& operations) {
  for (const auto& op : operations)
    for (const auto& route : op.routes) routes_.push_back({split(route.path), &op, &route});
}

std::optional<RouteMatch> Router::match(const std::string& method, const std::string& path) const {
  auto segments = split(path);
  const std::string wanted = method == "HEAD" ? "GET" : method;
  for (const auto& r : routes_) {
    if (r.route->method != wanted || r.segments.size() != segments.size()) continue;
    RouteMatch m{r.op, r.route, {}};
    bool ok = true;
    for (size_t i = 0; ok && i < segments.size(); ++i) {
      if (!r.segments[i].empty() && r.segments[i][0] == ':')
        m.path_params[r.segments[i].substr(1)] = segments[i];
      else
        ok = r.segments[i] == segments[i];
    }
    if (ok) return m;
  }
  return std::nullopt;
}

std::pair<std::string, std::string> strip_version_prefix(const std::string& path) {
  for (const char* prefix : {"/v1", "/api"}) {
    std::string p = prefix;
    if (path.rfind(p, 0) == 0 && (path.size() == p.size() || path[p.size()] == '/'))
      return {p, path.size() == p.size() ? "/" : path.substr(p.size())};
  }
  return {"", path};
}

}  // namespace labctl::http
