#pragma once
// Matches METHOD + path against the registry's route templates (/outbound/:id/send).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "labctl/ops/operation.hpp"

namespace labctl::http {

struct RouteMatch {
  const ops::Operation* op;
  const ops::HttpRoute* route;
  std::map<std::string, std::string> path_params;
};

class Router {
 public:
  explicit Router(const std::vector<ops::Operation>& operations);
  // `path` without the /v1 or /api prefix. HEAD matches the GET routes (answered without a body).
  std::optional<RouteMatch> match(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::vector<std::string> segments;
    const ops::Operation* op;
    const ops::HttpRoute* route;
  };
  std::vector<Route> routes_;
};

// Splits "/v1/projects" into {"/v1", "/projects"}; the prefix is "" when absent.
std::pair<std::string, std::string> strip_version_prefix(const std::string& path);

}  // namespace labctl::http
