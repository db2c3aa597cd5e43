#pragma once
// API keys (api.md §2.6): `lp_` + unpadded base64url of 32 random bytes. Only the key's SHA-256
// is stored; the raw key is shown once, when it is made.
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace labctl::auth {

struct ApiKey {
  std::string id;
  std::string project_id, account_scope_id;
  std::string key_prefix;  // the first 11 characters, for people to tell keys apart
  std::string name;
  std::vector<std::string> scopes;  // read | write | admin
  std::optional<std::string> expires_at, last_used_at;
  std::string created_at;

  bool may_write() const;
  std::string role() const;   // admin → owner, else pm (api.md §2.7)
  std::string actor() const;  // apikey:<name or id>
};

struct NewApiKey {
  std::string project_id, account_scope_id;
  std::string name;                 // trimmed, cut to 100; "" = Unnamed key
  std::vector<std::string> scopes;  // unknown ones dropped; none = read
  std::optional<std::string> expires_at;
};

struct MadeApiKey {
  ApiKey key;
  std::string raw;  // the only sight of it
};

MadeApiKey create_api_key(pqxx::connection& conn, const NewApiKey& input);
std::vector<ApiKey> list_api_keys(pqxx::connection& conn, const std::string& project_id);
// Hard delete in the project; 404 not_found when there is none.
void revoke_api_key(pqxx::connection& conn, const std::string& project_id, const std::string& id);

// The key a request presents: 401 unauthorized "Invalid API key" (unknown) or "API key expired".
// Marks it used (at most once a minute).
ApiKey authenticate_api_key(pqxx::connection& conn, const std::string& raw);

}  // namespace labctl::auth
