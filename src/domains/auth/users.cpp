#include "labctl/domains/auth/users.hpp"

#include <regex>

#include "labctl/core/error.hpp"
#include "labctl/core/utf8.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/auth/passwords.hpp"
#include "labctl/domains/auth/sessions.hpp"

namespace labctl::auth {
namespace {

const std::string kColumns = "u.id::text, u.username, u.role, u.email, " + db::iso_utc("u.created_at") + ", " +
                             db::iso_utc("u.updated_at");

User from_row(const pqxx::row& r) {
  User u{r[0].c_str(), r[1].c_str(), r[2].c_str(), db::optional_text(r[3]), r[4].c_str(), r[5].c_str(), std::nullopt};
  if (r.size() > 6) u.project_count = r[6].as<long long>();
  return u;
}

std::optional<std::string> checked_email(const std::optional<std::string>& email) {
  if (!email) return std::nullopt;
  std::string e = trim_text(*email);
  if (e.empty()) return std::nullopt;
  static const std::regex shape(R"(^[^\s@]+@[^\s@]+\.[^\s@]+$)");
  if (utf8_length(e) > 300 || !std::regex_match(e, shape))
    throw validation_error("email", "email must be a valid e-mail address", "invalid_format");
  return e;
}

bool email_taken(pqxx::transaction_base& tx, const std::string& email, const std::optional<std::string>& except) {
  return !tx.exec_params("SELECT 1 FROM app_users WHERE lower(email) = lower($1) AND id IS DISTINCT FROM $2::uuid",
                         email, except)
              .empty();
}

Error email_conflict() { return Error(ErrorClass::conflict, "email_taken", "Email is already in use"); }

// Locks every owner row, so that two requests cannot each remove "one of two" owners.
void keep_an_owner(pqxx::transaction_base& tx, const std::string& id) {
  auto owners = tx.exec("SELECT id::text FROM app_users WHERE role = 'owner' FOR UPDATE");
  if (owners.size() == 1 && id == owners[0][0].c_str())
    throw Error(ErrorClass::conflict, "last_owner", "the last owner can be neither deleted nor demoted");
}

User read_user(pqxx::transaction_base& tx, const std::string& id) {
  auto rows = tx.exec_params("SELECT " + kColumns + " FROM app_users u WHERE u.id = $1::uuid", id);
  if (rows.empty()) throw not_found("user_not_found", "user " + id + " not found");
  return from_row(rows[0]);
}

}  // namespace

void to_json(nlohmann::json& j, const User& u) {
  j = {{"id", u.id}, {"username", u.username}, {"role", u.role}, {"email", u.email ? nlohmann::json(*u.email) : nullptr},
       {"created_at", u.created_at}, {"updated_at", u.updated_at}};
  if (u.project_count) j["project_count"] = *u.project_count;
}

void to_json(nlohmann::json& j, const UserProject& p) {
  j = {{"project_id", p.project_id}, {"project_name", p.project_name}, {"assigned_at", p.assigned_at}};
}

std::vector<std::string> UserChanges::given() const {
  std::vector<std::string> out;
  if (role) out.push_back("role");
  if (email) out.push_back("email");
  if (password) out.push_back("password");
  return out;
}

std::vector<User> list_users(pqxx::connection& conn) {
  std::vector<User> out;
  for (const auto& r : pqxx::nontransaction(conn).exec(
           "SELECT " + kColumns + ", (SELECT count(*) FROM project_assignments a WHERE a.user_id = u.id) "
           "FROM app_users u ORDER BY u.created_at, u.id"))
    out.push_back(from_row(r));
  return out;
}

bool has_owner(pqxx::connection& conn) {
  return !pqxx::nontransaction(conn)
              .exec("SELECT 1 FROM app_users WHERE role = 'owner' AND disabled_at IS NULL LIMIT 1")
              .empty();
}

User get_user(pqxx::connection& conn, const std::string& id) {
  pqxx::nontransaction tx(conn);
  return read_user(tx, id);
}

std::vector<UserProject> user_projects(pqxx::connection& conn, const std::string& id) {
  std::vector<UserProject> out;
  for (const auto& r : pqxx::nontransaction(conn).exec_params(
           "SELECT a.project_id::text, p.name, " + db::iso_utc("a.assigned_at") +
               " FROM project_assignments a JOIN projects p ON p.id = a.project_id WHERE a.user_id = $1::uuid "
               "ORDER BY a.assigned_at, a.id",
           id))
    out.push_back({r[0].c_str(), r[1].c_str(), r[2].c_str()});
  return out;
}

User create_user(pqxx::connection& conn, const NewUser& input) {
  const std::string name = to_lower(trim_text(input.username));
  auto email = checked_email(input.email);
  const std::string hash = hash_password(input.password);  // before the transaction: it takes a while
  pqxx::work tx(conn);
  if (!tx.exec_params("SELECT 1 FROM app_users WHERE lower(username) = $1", name).empty())
    throw Error(ErrorClass::conflict, "username_taken", "Username is already taken");
  if (email && email_taken(tx, *email, std::nullopt)) throw email_conflict();
  auto row = tx.exec_params1("INSERT INTO app_users AS u (username, password_hash, role, email) VALUES ($1, $2, $3, $4) "
                             "RETURNING " + kColumns,
                             name, hash, input.role, email);
  tx.commit();
  return from_row(row);
}

User update_user(pqxx::connection& conn, const std::string& id, const UserChanges& changes,
                 const std::optional<std::string>& keep_session) {
  if (changes.given().empty()) throw Error(ErrorClass::invalid_params, "no_changes", "nothing to change");
  std::optional<std::optional<std::string>> email;
  if (changes.email) email = checked_email(*changes.email);
  std::optional<std::string> hash;
  if (changes.password) hash = hash_password(*changes.password);
  pqxx::work tx(conn);
  User before = read_user(tx, id);
  if (changes.role && *changes.role != "owner" && before.role == "owner") keep_an_owner(tx, id);
  if (email && *email && email_taken(tx, **email, id)) throw email_conflict();
  auto row = tx.exec_params1(
      "UPDATE app_users AS u SET role = coalesce($2, role), "
      "email = CASE WHEN $3 THEN $4 ELSE email END, password_hash = coalesce($5, password_hash), updated_at = now() "
      "WHERE id = $1::uuid RETURNING " + kColumns,
      id, changes.role, email.has_value(), email ? *email : std::nullopt, hash);
  if (changes.role || changes.password) end_user_sessions(tx, id, keep_session);
  tx.commit();
  return from_row(row);
}

std::string delete_user(pqxx::connection& conn, const std::string& id, const std::optional<std::string>& caller_user_id) {
  if (caller_user_id && *caller_user_id == id)
    throw Error(ErrorClass::invalid_params, "self_delete", "you cannot delete your own account");
  pqxx::work tx(conn);
  User user = read_user(tx, id);
  if (user.role == "owner") keep_an_owner(tx, id);
  tx.exec_params("DELETE FROM app_users WHERE id = $1::uuid", id);
  tx.commit();
  return user.username;
}

}  // namespace labctl::auth
