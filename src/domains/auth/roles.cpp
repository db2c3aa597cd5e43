#include "labctl/domains/auth/roles.hpp"

#include <algorithm>
#include <map>

namespace labctl::auth {
namespace {

// Every permission below the owner's, with the roles that hold it; any other permission is
// the owner's alone (project.create, user.manage, project_assignment.manage, api_keys.manage, …).
const std::map<std::string_view, std::vector<std::string_view>>& grants() {
  static const std::map<std::string_view, std::vector<std::string_view>> table = {
      {"project.read", {"pm", "delivery_lead", "executor", "viewer"}},
      {"workforce.employee.read", {"pm", "delivery_lead", "executor", "viewer"}},
      {"workforce.condition.read", {"pm", "delivery_lead", "executor", "viewer"}},
      {"workforce.link.read", {"pm", "delivery_lead", "executor", "viewer"}},
      {"user.read", {"pm"}},
      {"workforce.employee.write", {"pm"}},
      {"workforce.condition.write", {"pm", "delivery_lead"}},
      {"workforce.link.write", {"pm", "delivery_lead"}},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& role_names() {
  static const std::vector<std::string> names = {"owner", "pm", "delivery_lead", "executor", "viewer"};
  return names;
}

int role_rank(std::string_view role) {
  const auto& names = role_names();
  auto it = std::find(names.begin(), names.end(), role);
  return it == names.end() ? 0 : static_cast<int>(names.size() - static_cast<size_t>(it - names.begin()));
}

bool role_allows(std::string_view role, std::string_view permission) {
  if (role == "owner") return true;
  auto it = grants().find(permission);
  return it != grants().end() && std::find(it->second.begin(), it->second.end(), role) != it->second.end();
}

std::string denial_code(std::string_view permission) {
  for (std::string_view managed : {"user.", "api_keys.", "project_assignment.", "project.create"})
    if (permission.starts_with(managed)) return "forbidden";
  return "permission_denied";
}

}  // namespace labctl::auth
