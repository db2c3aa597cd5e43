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
  std::map<std::string, std::string> path_params;
};

class Router {
 public:
  explicit Router(const std::vector<ops::Operation>& operations);
  // `path` without the /v1 or /api prefix.
  std::optional<RouteMatch> match(const std::string& method, const std::string& path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    const ops::Operation* op;
  };
  std::vector<Route> routes_;
};

// Splits "/v1/projects" into {"/v1", "/projects"}; the prefix is "" when absent.
std::pair<std::string, std::string> strip_version_prefix(const std::string& path);

}  // namespace labctl::http
