#pragma once
// Users (users.md, api.md §2.1): `app_users` rows with bcrypt hashes. Names are stored trimmed
// and lower-cased; e-mails are unique whatever their case. The last owner can be neither deleted
// nor demoted (409 last_owner): an installation never locks itself out.
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace labctl::auth {

struct User {
  std::string id, username, role;
  std::optional<std::string> email;
  std::string created_at, updated_at;
  std::optional<long long> project_count;  // listings only
};
void to_json(nlohmann::json& j, const User& u);

struct UserProject {
  std::string project_id, project_name, assigned_at;
};
void to_json(nlohmann::json& j, const UserProject& p);

struct NewUser {
  std::string username, password, role = "pm";
  std::optional<std::string> email;
};

struct UserChanges {
  std::optional<std::string> role;
  std::optional<std::optional<std::string>> email;  // a value of none clears it
  std::optional<std::string> password;
  std::vector<std::string> given() const;           // the field names, for the audit row
};

std::vector<User> list_users(pqxx::connection& conn);  // oldest first
bool has_owner(pqxx::connection& conn);                // an owner who may log in
User get_user(pqxx::connection& conn, const std::string& id);  // 404 user_not_found
std::vector<UserProject> user_projects(pqxx::connection& conn, const std::string& id);
// 409 username_taken, 409 email_taken.
User create_user(pqxx::connection& conn, const NewUser& input);
// 400 no_changes, 404 user_not_found, 409 email_taken, 409 last_owner. A new role or password ends
// the user's sessions but `keep` (the caller's own).
User update_user(pqxx::connection& conn, const std::string& id, const UserChanges& changes,
                 const std::optional<std::string>& keep_session);
// 400 self_delete (the caller's own account), 404 user_not_found, 409 last_owner. Returns the
// deleted name; the user's sessions and assignments go with it.
std::string delete_user(pqxx::connection& conn, const std::string& id, const std::optional<std::string>& caller_user_id);

}  // namespace labctl::auth
