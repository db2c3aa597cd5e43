#pragma once
// Roles and their permissions (api.md §2.7): owner(5) > pm(4) > delivery_lead(3) > executor(2)
// > viewer(1). The owner holds every permission.
#include <string>
#include <string_view>
#include <vector>

namespace labctl::auth {

const std::vector<std::string>& role_names();  // owner, pm, delivery_lead, executor, viewer
// 5 for owner … 1 for viewer; 0 for an unknown role.
int role_rank(std::string_view role);
bool role_allows(std::string_view role, std::string_view permission);
// The wire code of a refusal: `forbidden` for the management permissions (project creation, users, keys,
// assignments), `permission_denied` for the rest.
std::string denial_code(std::string_view permission);

}  // namespace labctl::auth
