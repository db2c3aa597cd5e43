#pragma once
// Password hashes (api.md §2.1): bcrypt, as the reference stores them. New hashes are `$2b$`
// with cost 12; verification accepts `$2a$`, `$2b$` and `$2y$`.
#include <string>
#include <string_view>

namespace labctl::auth {

inline constexpr int kBcryptCost = 12;

std::string hash_password(std::string_view password, int cost = kBcryptCost);
// False for a wrong password and for anything that is not a bcrypt hash.
bool verify_password(std::string_view password, const std::string& hash);
// `$2[aby]?$<1-2 digits>$<53 chars>`: the environment owner's secret is a hash, not plaintext.
bool looks_like_bcrypt(std::string_view s);
// Equal length and equal bytes, in time that depends only on the longer length (api.md §2.5).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace labctl::auth
